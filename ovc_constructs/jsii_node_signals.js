// Loaded into jsii's node process by our programs (interrupts.install, through NODE_OPTIONS).
// A terminal's Ctrl-C reaches the whole process group: node would die at once, leaving its
// /tmp/jsii-kernel-* directory behind, and the Python side could not let it finish the request it is in.
// Python handles the signal; node ends when its input closes, as at any exit, and removes its files.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
