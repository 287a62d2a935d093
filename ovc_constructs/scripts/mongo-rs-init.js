// Replica set initiation and growth for ReplicatedMongo (MongoDB 3.4 `mongo` shell; ES5 only).
//
// Run by mongo-rs-init.sh once every member answers. Idempotent: it initiates only when no member
// carries a replica set configuration, otherwise it adds the members the environment lists and the
// set lacks. It never re-initiates an existing set and never removes a member.
// Node runs the same file in the unit tests; there `module` exists and only planReplicaSet is used.

/**
 * Decide what to do. Pure: no I/O.
 * @param {string} setName   replica set name, e.g. "rs0"
 * @param {string[]} desired member host:port strings, in member order
 * @param {Object[]} observed one per desired host: {host, isMaster} (isMaster = db.isMaster() reply)
 * @param {Object|null} primaryConfig rs.conf() read from the primary, or null when there is none
 * @returns {{action: string, reason: string, config: Object|undefined, add: Object[]|undefined}}
 */
function planReplicaSet(setName, desired, observed, primaryConfig) {
  var configured = observed.filter(function (o) { return o.isMaster && o.isMaster.setName; });
  var foreign = configured.filter(function (o) { return o.isMaster.setName !== setName; });
  if (foreign.length > 0) {
    return { action: "fail", reason: foreign[0].host + " belongs to replica set " + foreign[0].isMaster.setName + ", not " + setName };
  }
  if (configured.length === 0) {
    return {
      action: "initiate",
      reason: "no member has a replica set configuration",
      config: { _id: setName, members: desired.map(function (host, i) { return { _id: i, host: host }; }) }
    };
  }
  if (!primaryConfig) {
    return { action: "wait", reason: "the replica set exists but has no primary yet" };
  }
  var present = primaryConfig.members.map(function (m) { return m.host; });
  var nextId = primaryConfig.members.reduce(function (max, m) { return Math.max(max, m._id); }, -1) + 1;
  var missing = desired.filter(function (host) { return present.indexOf(host) < 0; });
  if (missing.length === 0) {
    return { action: "none", reason: "all " + desired.length + " members are in the set" };
  }
  return {
    action: "add",
    reason: "adding " + missing.join(", "),
    add: missing.map(function (host, i) { return { _id: nextId + i, host: host }; })
  };
}

function observe(host) {
  try {
    return { host: host, isMaster: new Mongo(host).getDB("admin").runCommand({ isMaster: 1 }) };
  } catch (e) {
    return { host: host, isMaster: null, error: String(e) };
  }
}

function main() {
  var settings = JSON.parse(cat("/scripts/members.json"));
  var observed = settings.members.map(observe);
  var primaryHost = null;
  observed.forEach(function (o) { if (o.isMaster && o.isMaster.primary) { primaryHost = o.isMaster.primary; } });
  var primaryConfig = null;
  if (primaryHost) {
    primaryConfig = new Mongo(primaryHost).getDB("local").system.replset.findOne();
  }
  var plan = planReplicaSet(settings.setName, settings.members, observed, primaryConfig);
  print("plan: " + plan.action + " (" + plan.reason + ")");
  if (plan.action === "initiate") {
    var reply = new Mongo(settings.members[0]).getDB("admin").runCommand({ replSetInitiate: plan.config });
    printjson(reply);
    quit(reply.ok ? 0 : 1);
  } else if (plan.action === "add") {
    var admin = new Mongo(primaryHost).getDB("admin");
    var config = primaryConfig;
    config.version += 1;
    config.members = config.members.concat(plan.add);
    var added = admin.runCommand({ replSetReconfig: config });
    printjson(added);
    quit(added.ok ? 0 : 1);
  } else if (plan.action === "wait" || plan.action === "fail") {
    quit(1);
  }
  quit(0);
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = { planReplicaSet: planReplicaSet };
} else {
  main();
}
