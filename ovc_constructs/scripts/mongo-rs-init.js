// Replica set initiation and growth for ReplicatedMongo (MongoDB 3.4 `mongo` shell; ES5 only).
//
// Run by mongo-rs-init.sh (the Job) once every member answers. Idempotent: it initiates only when no
// member carries a replica set configuration, otherwise it adds the members the environment lists and
// the set lacks. It never re-initiates an existing set and never removes a member. With access control
// it authenticates with the auth Secret and leaves initiation to mongo-0 (mongo-bootstrap.js).

load("/scripts/mongo-rs-plan.js");

/** Credentials from the auth Secret (mounted at /auth), or null without access control. */
function credentials() {
  try {
    return { user: cat("/auth/username").trim(), pwd: cat("/auth/password").trim() };
  } catch (e) {
    return null;
  }
}

function connect(host, creds) {
  var connection = new Mongo(host);
  if (creds && !connection.getDB("admin").auth(creds.user, creds.pwd)) {
    throw new Error("authentication to " + host + " failed");
  }
  return connection;
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
  var creds = credentials();
  var observed = settings.members.map(observe);
  var primaryHost = null;
  observed.forEach(function (o) { if (o.isMaster && o.isMaster.primary) { primaryHost = o.isMaster.primary; } });
  var primaryConfig = null;
  if (primaryHost) {
    primaryConfig = connect(primaryHost, creds).getDB("admin").runCommand({ replSetGetConfig: 1 }).config;
  }
  var plan = planReplicaSet(settings.setName, settings.members, observed, primaryConfig, creds !== null);
  print("plan: " + plan.action + " (" + plan.reason + ")");
  if (plan.action === "initiate") {
    var reply = new Mongo(settings.members[0]).getDB("admin").runCommand({ replSetInitiate: plan.config });
    printjson(reply);
    quit(reply.ok ? 0 : 1);
  } else if (plan.action === "add") {
    var admin = connect(primaryHost, creds).getDB("admin");
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

main();
