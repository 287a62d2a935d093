// Bootstrap of a replica set with access control (keyFile), run inside mongo-0's pod against localhost,
// because only the localhost exception may initiate the set and create the first user (MongoDB 3.4 shell).
// Idempotent: it initiates only when planReplicaSet says no member has a configuration, and creates the
// root user only while the localhost exception is still open (no user exists yet).
load("/scripts/mongo-rs-plan.js");

var settings = JSON.parse(cat("/scripts/members.json"));
var observed = settings.members.map(function (host) {
  return { host: host, isMaster: new Mongo(host).getDB("admin").runCommand({ isMaster: 1 }) };
});
var plan = planReplicaSet(settings.setName, settings.members, observed, null, false);
print("bootstrap plan: " + plan.action + " (" + plan.reason + ")");
var admin = db.getSiblingDB("admin");
if (plan.action === "initiate") {
  plan.config.members[0].priority = 2;  // mongo-0 becomes primary, where the first user must be created
  var initiated = admin.runCommand({ replSetInitiate: plan.config });
  printjson(initiated);
  if (!initiated.ok) { quit(1); }
}
for (var waited = 0; waited < 300 && !admin.runCommand({ isMaster: 1 }).ismaster; waited++) { sleep(1000); }
if (admin.runCommand({ isMaster: 1 }).ismaster) {
  var created = admin.runCommand({
    createUser: cat("/auth/username").trim(), pwd: cat("/auth/password").trim(), roles: [{ role: "root", db: "admin" }]
  });
  // 13 Unauthorized: users exist, the localhost exception is closed; 51003: the user exists.
  if (!created.ok && created.code !== 13 && created.code !== 51003) { printjson(created); quit(1); }
  print(created.ok ? "created the root user" : "the root user already exists");
}
quit(0);
