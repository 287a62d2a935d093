// The decision logic of replica set initiation and growth (MongoDB 3.4 shell and Node; ES5 only).
// Pure: no I/O. Loaded by mongo-rs-init.js (the Job) and mongo-bootstrap.js (member 0 with access
// control); required by the unit tests under Node.

/**
 * Decide what to do. Pure: no I/O.
 * @param {string} setName   replica set name, e.g. "rs0"
 * @param {string[]} desired member host:port strings, in member order
 * @param {Object[]} observed one per desired host: {host, isMaster} (isMaster = db.isMaster() reply)
 * @param {Object|null} primaryConfig rs.conf() read from the primary, or null when there is none
 * @param {boolean} accessControl true when members run with --keyFile: only mongo-0 may initiate, through
 *   the localhost exception, so the Job waits for it
 * @returns {{action: string, reason: string, config: Object|undefined, add: Object[]|undefined}}
 */
var MAX_VOTERS = 7;  // MongoDB refuses a configuration with more voting members

/** A member entry; beyond the first seven voters a member replicates but neither votes nor becomes primary. */
function memberEntry(id, host, voters) {
  return voters < MAX_VOTERS ? { _id: id, host: host } : { _id: id, host: host, votes: 0, priority: 0 };
}

function planReplicaSet(setName, desired, observed, primaryConfig, accessControl) {
  var configured = observed.filter(function (o) { return o.isMaster && o.isMaster.setName; });
  var foreign = configured.filter(function (o) { return o.isMaster.setName !== setName; });
  if (foreign.length > 0) {
    return { action: "fail", reason: foreign[0].host + " belongs to replica set " + foreign[0].isMaster.setName + ", not " + setName };
  }
  if (configured.length === 0 && accessControl) {
    return { action: "wait", reason: "with access control mongo-0 initiates the set through the localhost exception" };
  }
  if (configured.length === 0) {
    return {
      action: "initiate",
      reason: "no member has a replica set configuration",
      config: { _id: setName, members: desired.map(function (host, i) { return memberEntry(i, host, i); }) }
    };
  }
  if (!primaryConfig) {
    return { action: "wait", reason: "the replica set exists but has no primary yet" };
  }
  var present = primaryConfig.members.map(function (m) { return m.host; });
  var nextId = primaryConfig.members.reduce(function (max, m) { return Math.max(max, m._id); }, -1) + 1;
  var missing = desired.filter(function (host) { return present.indexOf(host) < 0; });
  var voters = primaryConfig.members.filter(function (m) { return m.votes !== 0; }).length;
  if (missing.length === 0) {
    return { action: "none", reason: "all " + desired.length + " members are in the set" };
  }
  return {
    action: "add",
    reason: "adding " + missing.join(", "),
    add: missing.map(function (host, i) { return memberEntry(nextId + i, host, voters + i); })
  };
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { planReplicaSet: planReplicaSet };
}
