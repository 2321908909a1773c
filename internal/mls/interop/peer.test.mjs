// Self-test of the ts-mls interop peer: two (or three) peer.mjs processes form
// a group with each other over the line protocol in PROTOCOL.md. This proves
// the harness on its own, independently of the Go implementation.
//
// Run: node --test internal/mls/interop/   (after npm ci --prefix internal/mls/interop)

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import path from "node:path";

const PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), "peer.mjs");
const TIMEOUT_MS = 20_000;

class Peer {
  constructor(name) {
    this.name = name;
    this.proc = spawn(process.execPath, [PEER], { stdio: ["pipe", "pipe", "pipe"] });
    this.stderr = "";
    this.proc.stderr.on("data", (d) => (this.stderr += d));
    this.waiting = [];
    this.nextId = 1;
    this.exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
    const rl = createInterface({ input: this.proc.stdout });
    rl.on("line", (line) => {
      const w = this.waiting.shift();
      if (w === undefined) throw new Error(`${name}: unexpected output: ${line}`);
      w(line);
    });
  }

  // call sends one request and returns the parsed response, whatever ok is.
  call(op, fields = {}) {
    const id = this.nextId++;
    const req = { id, op, ...fields };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: ${op} timed out; stderr: ${this.stderr}`)),
        TIMEOUT_MS,
      );
      this.waiting.push((line) => {
        clearTimeout(timer);
        let resp;
        try {
          resp = JSON.parse(line);
        } catch (e) {
          reject(new Error(`${this.name}: ${op}: response is not JSON: ${line}`));
          return;
        }
        if (resp.id !== id) reject(new Error(`${this.name}: ${op}: response id ${resp.id}, want ${id}`));
        else resolve(resp);
      });
      this.proc.stdin.write(JSON.stringify(req) + "\n");
    });
  }

  // ok sends one request and fails unless the peer answers ok:true.
  async ok(op, fields = {}) {
    const resp = await this.call(op, fields);
    assert.equal(resp.ok, true, `${this.name}: ${op} failed: ${resp.error}`);
    return resp;
  }

  async stop() {
    if (this.proc.exitCode === null) {
      await this.ok("shutdown");
      this.proc.stdin.end();
    }
    return this.exited;
  }
}

const hex = (s) => Buffer.from(s, "utf8").toString("hex");

async function assertSameEpoch(a, b) {
  const [sa, sb] = [await a.ok("state"), await b.ok("state")];
  assert.equal(sa.epoch, sb.epoch, `${a.name} and ${b.name} disagree on the epoch`);
  assert.equal(
    sa.epoch_authenticator,
    sb.epoch_authenticator,
    `${a.name} and ${b.name} disagree on the epoch authenticator in epoch ${sa.epoch}`,
  );
  assert.equal(sa.tree_hash, sb.tree_hash, `tree hashes differ in epoch ${sa.epoch}`);
  assert.deepEqual(sa.members, sb.members);
  return sa;
}

async function assertMessage(from, to, text) {
  const { message } = await from.ok("protect", { plaintext: hex(text) });
  const got = await to.ok("unprotect", { message });
  assert.equal(Buffer.from(got.plaintext, "hex").toString("utf8"), text);
}

test("protocol errors are reported, not fatal", async (t) => {
  const a = new Peer("a");
  t.after(() => a.stop());
  const hello = await a.ok("hello");
  assert.equal(hello.cipher_suite, 1);
  assert.equal(hello.version, "1.6.4");
  let r = await a.call("no_such_op");
  assert.equal(r.ok, false);
  assert.match(r.error, /unknown op/);
  r = await a.call("create_group", { group_id: "00" });
  assert.equal(r.ok, false);
  assert.match(r.error, /no identity/);
  await a.ok("create_identity", { identity: "alice" });
  r = await a.call("create_group", { group_id: "zz" });
  assert.equal(r.ok, false);
  assert.match(r.error, /hex/);
  r = await a.call("process", { message: "0001" });
  assert.equal(r.ok, false);
  // Still answering after errors.
  await a.ok("create_group", { group_id: hex("g") });
  const st = await a.ok("state");
  assert.equal(st.epoch, 0);
  assert.equal(st.members.length, 1);
});

test("two ts-mls peers: create, add, messages both ways, update, remove", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  t.after(() => Promise.all([a.stop(), b.stop()]));

  await a.ok("create_identity", { identity: "alice" });
  const { key_package: bobKP } = await b.ok("create_identity", { identity: "bob" });

  const created = await a.ok("create_group", { group_id: hex("switchboard-interop-selftest") });
  assert.equal(created.epoch, 0);
  assert.equal(created.leaf_index, 0);

  // Add bob; the Welcome carries no ratchet tree, so it travels separately.
  const added = await a.ok("add_member", { key_package: bobKP });
  assert.equal(added.epoch, 1);
  assert.ok(added.commit && added.welcome && added.ratchet_tree);

  // Without the tree, joining must fail (the ts-mls Welcome quirk).
  const noTree = await b.call("join", { welcome: added.welcome });
  assert.equal(noTree.ok, false);
  assert.match(noTree.error, /RatchetTree|ratchet_tree/);

  const joined = await b.ok("join", { welcome: added.welcome, ratchet_tree: added.ratchet_tree });
  assert.equal(joined.epoch, 1);
  assert.equal(joined.leaf_index, 1);
  await assertSameEpoch(a, b);

  // Application messages both ways, several in a row.
  await assertMessage(a, b, "bleep: ward 7 needs a registrar");
  await assertMessage(b, a, "on my way");
  await assertMessage(b, a, "ETA 5 minutes");
  await assertMessage(a, b, "thanks");

  // A sender cannot decrypt its own application message (ts-mls quirk).
  const own = await a.ok("protect", { plaintext: hex("echo") });
  const self = await a.call("unprotect", { message: own.message });
  assert.equal(self.ok, false);
  await b.ok("unprotect", { message: own.message });

  // Exporter secrets agree.
  const ctx = hex("ctx");
  const ea = await a.ok("export", { label: "switchboard test", context: ctx, length: 32 });
  const eb = await b.ok("export", { label: "switchboard test", context: ctx, length: 32 });
  assert.equal(ea.secret, eb.secret);
  assert.equal(ea.secret.length, 64);

  // Alice commits an update (empty commit with an UpdatePath).
  const before = await a.ok("epoch");
  const upd = await a.ok("commit_update");
  assert.equal(upd.epoch, 2);
  assert.notEqual(upd.epoch_authenticator, before.epoch_authenticator);
  const processed = await b.ok("process", { message: upd.commit });
  assert.equal(processed.kind, "commit");
  assert.equal(processed.epoch, 2);
  await assertSameEpoch(a, b);
  await assertMessage(a, b, "after alice's update");
  await assertMessage(b, a, "after alice's update, reply");

  // Bob commits an update too, as a PrivateMessage.
  const upd2 = await b.ok("commit_update", { wire: "private" });
  await a.ok("process", { message: upd2.commit });
  await assertSameEpoch(a, b);
  await assertMessage(a, b, "after bob's update");

  // Alice removes bob.
  const rem = await a.ok("remove_member", { leaf_index: 1 });
  assert.equal(rem.epoch, 4);
  assert.equal(rem.members.length, 1);
  const gone = await b.ok("process", { message: rem.commit });
  assert.equal(gone.kind, "commit");
  assert.equal(gone.active, false);
  assert.equal(gone.group_state, "removedFromGroup");
  // Bob can no longer send.
  const after = await b.call("protect", { plaintext: hex("still here?") });
  assert.equal(after.ok, false);
});

test("three peers: ratchet_tree extension, private commits, remove by reference", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  const c = new Peer("carol");
  t.after(() => Promise.all([a.stop(), b.stop(), c.stop()]));

  await a.ok("configure", { wire: "private" });
  await a.ok("create_identity", { identity: "alice" });
  const { key_package: bobKP } = await b.ok("create_identity", { identity: "bob" });
  const { key_package: carolKP } = await c.ok("create_identity", { identity: "carol" });
  await a.ok("create_group", { group_id: hex("three") });

  const addB = await a.ok("add_member", { key_package: bobKP, ratchet_tree_extension: true });
  await b.ok("join", { welcome: addB.welcome });
  await assertSameEpoch(a, b);

  const addC = await a.ok("add_member", { key_package: carolKP, ratchet_tree_extension: true });
  await b.ok("process", { message: addC.commit });
  await c.ok("join", { welcome: addC.welcome });
  await assertSameEpoch(a, b);
  await assertSameEpoch(a, c);
  await assertMessage(c, a, "carol to alice");
  await assertMessage(c, b, "carol to bob");

  // Carol commits an update; everybody follows.
  const upd = await c.ok("commit_update");
  await a.ok("process", { message: upd.commit });
  await b.ok("process", { message: upd.commit });
  await assertSameEpoch(a, b);
  await assertSameEpoch(a, c);

  // Alice removes bob with a proposal followed by a commit by reference.
  const rem = await a.ok("remove_member", { leaf_index: 1, by_reference: true });
  assert.ok(rem.proposal);
  const pc = await c.ok("process", { message: rem.proposal });
  assert.equal(pc.kind, "proposal");
  const pb = await b.ok("process", { message: rem.proposal });
  assert.equal(pb.kind, "proposal");
  await c.ok("process", { message: rem.commit });
  const gone = await b.ok("process", { message: rem.commit });
  assert.equal(gone.active, false);
  const st = await assertSameEpoch(a, c);
  assert.deepEqual(
    st.members.map((m) => [m.leaf_index, m.identity]),
    [
      [0, "alice"],
      [2, "carol"],
    ],
  );
  await assertMessage(a, c, "just us now");
});

test("GREASE in every capability list is accepted by ts-mls itself", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  t.after(() => Promise.all([a.stop(), b.stop()]));
  await a.ok("create_identity", { identity: "alice", grease: "all" });
  const { key_package } = await b.ok("create_identity", { identity: "bob", grease: "all" });
  await a.ok("create_group", { group_id: hex("grease") });
  const add = await a.ok("add_member", { key_package });
  await b.ok("join", { welcome: add.welcome, ratchet_tree: add.ratchet_tree });
  await assertSameEpoch(a, b);
  const sa = await a.ok("secrets");
  const sb = await b.ok("secrets");
  for (const k of ["group_context", "exporter_secret", "init_secret", "confirmation_tag", "ratchet_tree"]) {
    assert.equal(sa[k], sb[k], k);
  }
  await assertMessage(b, a, "grease is fine");
});

test("proposals from one member committed by another; GroupContextExtensions commit", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  const c = new Peer("carol");
  t.after(() => Promise.all([a.stop(), b.stop(), c.stop()]));
  await a.ok("create_identity", { identity: "alice" });
  const { key_package: bobKP } = await b.ok("create_identity", { identity: "bob" });
  const { key_package: carolKP } = await c.ok("create_identity", { identity: "carol" });
  await a.ok("create_group", { group_id: hex("proposals") });
  const addB = await a.ok("add_member", { key_package: bobKP });
  await b.ok("join", { welcome: addB.welcome, ratchet_tree: addB.ratchet_tree });

  // Bob proposes adding carol; alice commits it and sends the Welcome.
  const { proposal } = await b.ok("propose_add", { key_package: carolKP });
  assert.equal((await a.ok("process", { message: proposal })).kind, "proposal");
  const com = await a.ok("commit");
  assert.ok(com.welcome, "commit of an Add proposal has a Welcome");
  await b.ok("process", { message: com.commit });
  await c.ok("join", { welcome: com.welcome, ratchet_tree: com.ratchet_tree });
  await assertSameEpoch(a, b);
  await assertSameEpoch(a, c);

  // Carol proposes removing bob; alice commits it.
  const rem = await c.ok("propose_remove", { leaf_index: 1 });
  await a.ok("process", { message: rem.proposal });
  await b.ok("process", { message: rem.proposal });
  const com2 = await a.ok("commit");
  await c.ok("process", { message: com2.commit });
  assert.equal((await b.ok("process", { message: com2.commit })).active, false);
  await assertSameEpoch(a, c);

  // A GroupContextExtensions commit (required_capabilities, all lists empty).
  const gce = await a.ok("commit_extensions", { extensions: [{ type: 3, data: "000000" }] });
  await c.ok("process", { message: gce.commit });
  await assertSameEpoch(a, c);
  const sa = await a.ok("secrets");
  assert.ok(sa.group_context.endsWith("06000303000000"), `group context ${sa.group_context}`);
});

test("join by external commit", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  const c = new Peer("carol");
  t.after(() => Promise.all([a.stop(), b.stop(), c.stop()]));
  await a.ok("create_identity", { identity: "alice" });
  const { key_package: bobKP } = await b.ok("create_identity", { identity: "bob" });
  await c.ok("create_identity", { identity: "carol" });
  await a.ok("create_group", { group_id: hex("external") });
  const add = await a.ok("add_member", { key_package: bobKP, ratchet_tree_extension: true });
  await b.ok("join", { welcome: add.welcome });

  const gi = await a.ok("group_info");
  const ext = await c.ok("join_external", { group_info: gi.group_info, ratchet_tree: gi.ratchet_tree });
  assert.equal(ext.leaf_index, 2);
  assert.equal((await a.ok("process", { message: ext.commit })).kind, "commit");
  await b.ok("process", { message: ext.commit });
  await assertSameEpoch(a, c);
  await assertSameEpoch(b, c);
  await assertMessage(c, a, "joined from outside");

  // ts-mls's own external_pub encoding (the bare key) still works between peers.
  const gi2 = await c.ok("group_info", { ratchet_tree_extension: true, external_pub: "ts-mls" });
  const d = new Peer("dave");
  t.after(() => d.stop());
  await d.ok("create_identity", { identity: "dave" });
  const ext2 = await d.ok("join_external", { group_info: gi2.group_info });
  for (const p of [a, b, c]) await p.ok("process", { message: ext2.commit });
  await assertSameEpoch(a, d);
});

test("pre-shared keys: external and resumption, in a commit and in a Welcome", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  const c = new Peer("carol");
  t.after(() => Promise.all([a.stop(), b.stop(), c.stop()]));
  const psk = { psk_id: hex("team psk"), secret: "11".repeat(32) };
  for (const p of [a, b, c]) await p.ok("add_psk", psk);
  await a.ok("create_identity", { identity: "alice" });
  const { key_package: bobKP } = await b.ok("create_identity", { identity: "bob" });
  const { key_package: carolKP } = await c.ok("create_identity", { identity: "carol" });
  await a.ok("create_group", { group_id: hex("psk") });
  const add = await a.ok("add_member", { key_package: bobKP, psks: [{ psk_id: psk.psk_id }] });
  await b.ok("join", { welcome: add.welcome, ratchet_tree: add.ratchet_tree });
  await assertSameEpoch(a, b);

  const ext = await a.ok("commit_psk", { psks: [{ psk_id: psk.psk_id }] });
  await b.ok("process", { message: ext.commit });
  await assertSameEpoch(a, b);

  const res = await b.ok("commit_psk", { psks: [{ resumption_epoch: 1 }, { psk_id: psk.psk_id }] });
  await a.ok("process", { message: res.commit });
  await assertSameEpoch(a, b);

  // An unknown PSK is refused.
  const bad = await a.call("commit_psk", { psks: [{ psk_id: hex("nobody knows") }] });
  assert.equal(bad.ok, false);

  const add2 = await a.ok("add_member", { key_package: carolKP, psks: [{ psk_id: psk.psk_id }] });
  await b.ok("process", { message: add2.commit });
  await c.ok("join", { welcome: add2.welcome, ratchet_tree: add2.ratchet_tree });
  await assertSameEpoch(a, c);
});

test("resynchronising by external commit after losing the group state; leaving by own Remove proposal", async (t) => {
  const a = new Peer("alice");
  const b = new Peer("bob");
  const c = new Peer("carol");
  t.after(() => Promise.all([a.stop(), b.stop(), c.stop()]));
  await a.ok("create_identity", { identity: "alice" });
  const { key_package: bobKP } = await b.ok("create_identity", { identity: "bob" });
  const { key_package: carolKP } = await c.ok("create_identity", { identity: "carol" });
  await a.ok("create_group", { group_id: hex("resync") });
  const add = await a.ok("add_member", { key_packages: [bobKP, carolKP] });
  await b.ok("join", { welcome: add.welcome, ratchet_tree: add.ratchet_tree });
  await c.ok("join", { welcome: add.welcome, ratchet_tree: add.ratchet_tree });

  await b.ok("forget_group");
  const gi = await a.ok("group_info", { ratchet_tree_extension: true });
  const re = await b.ok("join_external", { group_info: gi.group_info, resync: true });
  assert.equal(re.members.length, 3);
  await a.ok("process", { message: re.commit });
  await c.ok("process", { message: re.commit });
  await assertSameEpoch(a, b);
  await assertSameEpoch(a, c);

  // Carol leaves: she proposes her own removal and alice commits it.
  const leave = await c.ok("propose_remove", { leaf_index: 2 });
  await a.ok("process", { message: leave.proposal });
  await b.ok("process", { message: leave.proposal });
  const com = await a.ok("commit");
  await b.ok("process", { message: com.commit });
  assert.equal((await c.ok("process", { message: com.commit })).active, false);
  await assertSameEpoch(a, b);
});
