#!/usr/bin/env node
// peer.mjs: a long-running MLS (RFC 9420) client built on ts-mls, driven over
// newline-delimited JSON on stdin/stdout. It is the independent implementation
// that Switchboard's own MLS code (internal/mls) is tested against.
//
// One request object per line on stdin, one response object per line on
// stdout, in order. Binary values are lowercase hex. Diagnostics go to stderr
// only; stdout carries nothing but responses. See PROTOCOL.md for the
// operations.
//
// Cipher suite: 1, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.

import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";

import {
  createApplicationMessage,
  createCommit,
  createGroup,
  createProposal,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  makePskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  mlsExporter,
  processMessage,
  acceptAll,
  defaultExtensionTypes,
  createGroupInfoWithExternalPub,
  createGroupInfoWithExternalPubAndRatchetTree,
  joinGroupExternal,
} from "ts-mls";
import { encodeRatchetTree, decodeRatchetTree } from "ts-mls/ratchetTree.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { createGroupInfo } from "ts-mls/createCommit.js";
import { encodeGroupContext } from "ts-mls/groupContext.js";
import { greaseCapabilities } from "ts-mls/grease.js";

// Everything printed by accident must not corrupt the response stream.
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);

const SUITE_NAME = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
const SUITE_ID = 1;

const impl = await getCiphersuiteImpl(getCiphersuiteFromName(SUITE_NAME));
const TS_MLS_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/ts-mls/package.json", import.meta.url), "utf8"),
).version;

// ---------------------------------------------------------------- encoding

function toHex(bytes) {
  return Buffer.from(bytes).toString("hex");
}

function fromHex(value, field) {
  if (typeof value !== "string" || !/^([0-9a-fA-F]{2})*$/.test(value)) {
    throw new RequestError(`field "${field}" must be a hex string`);
  }
  return new Uint8Array(Buffer.from(value, "hex"));
}

function optionalHex(req, field) {
  return req[field] === undefined || req[field] === null ? undefined : fromHex(req[field], field);
}

function requireField(req, field) {
  if (req[field] === undefined || req[field] === null) {
    throw new RequestError(`missing field "${field}"`);
  }
  return req[field];
}

class RequestError extends Error {
  constructor(message) {
    super(message);
    this.name = "RequestError";
  }
}

function decodeWholeMlsMessage(bytes, what) {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new RequestError(`${what}: cannot decode MLSMessage: ${e.message}`);
  }
  if (decoded === undefined) throw new RequestError(`${what}: cannot decode MLSMessage`);
  const [msg, consumed] = decoded;
  if (consumed !== bytes.length) {
    throw new RequestError(`${what}: ${bytes.length - consumed} trailing bytes after MLSMessage`);
  }
  if (msg.version !== "mls10") throw new RequestError(`${what}: unsupported protocol version ${msg.version}`);
  return msg;
}

function encodeRatchetTreeBytes(tree) {
  return encodeRatchetTree(tree);
}

function decodeRatchetTreeBytes(bytes) {
  const decoded = decodeRatchetTree(bytes, 0);
  if (decoded === undefined) throw new RequestError("ratchet_tree: cannot decode");
  const [tree, consumed] = decoded;
  if (consumed !== bytes.length) throw new RequestError(`ratchet_tree: ${bytes.length - consumed} trailing bytes`);
  return tree;
}

// ---------------------------------------------------------------- state

// One client (credential + signature key) per process, at most one group.
const client = {
  identity: undefined, // Uint8Array
  signatureKeyPair: undefined, // { signKey, publicKey }
  capabilities: undefined,
  // KeyPackages generated and not yet used to join: { publicPackage, privatePackage, ref }
  pendingKeyPackages: [],
  // External PSKs known to this client, by base64 of the PSK id.
  externalPsks: {},
};
let group = undefined; // ts-mls ClientState
let defaultWire = "public";

function requireIdentity() {
  if (client.identity === undefined) throw new RequestError("no identity: call create_identity first");
}

function requireGroup() {
  if (group === undefined) throw new RequestError("no group: call create_group or join first");
}

function requireNoGroup() {
  if (group !== undefined) throw new RequestError("this peer already holds a group (one group per process)");
}

function capabilitiesFor(grease) {
  switch (grease ?? "none") {
    case "none":
      return {
        versions: ["mls10"],
        ciphersuites: [SUITE_NAME],
        extensions: [],
        proposals: [],
        credentials: ["basic"],
      };
    case "random":
      return defaultCapabilities();
    case "all":
      // Every GREASE value (RFC 9420 §13.5) in every list, deterministically.
      return greaseCapabilities(
        { probabilityPerGreaseValue: 1 },
        { versions: ["mls10"], ciphersuites: [SUITE_NAME], extensions: [], proposals: [], credentials: ["basic"] },
      );
    default:
      throw new RequestError(`grease must be "none", "random" or "all", got ${JSON.stringify(grease)}`);
  }
}

async function newKeyPackage() {
  const credential = { credentialType: "basic", identity: client.identity };
  const kp = await generateKeyPackageWithKey(
    credential,
    client.capabilities,
    defaultLifetime,
    [],
    client.signatureKeyPair,
    impl,
  );
  const ref = await makeKeyPackageRef(kp.publicPackage, impl.hash);
  client.pendingKeyPackages.push({ ...kp, ref });
  return encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: kp.publicPackage });
}

// pskIndex finds external PSKs registered with add_psk and resumption PSKs
// of this group's current and retained past epochs.
function pskIndex() {
  return makePskIndex(group, client.externalPsks);
}

// pskProposal builds a PreSharedKey proposal with a fresh nonce: external
// for {psk_id}, resumption (usage application, this group) for
// {resumption_epoch}.
function pskProposal(spec, field) {
  const pskNonce = crypto.getRandomValues(new Uint8Array(impl.kdf.size));
  if (spec.psk_id !== undefined) {
    return {
      proposalType: "psk",
      psk: { preSharedKeyId: { psktype: "external", pskId: fromHex(spec.psk_id, `${field}.psk_id`), pskNonce } },
    };
  }
  if (Number.isInteger(spec.resumption_epoch) && spec.resumption_epoch >= 0) {
    return {
      proposalType: "psk",
      psk: {
        preSharedKeyId: {
          psktype: "resumption",
          usage: "application",
          pskGroupId: group.groupContext.groupId,
          pskEpoch: BigInt(spec.resumption_epoch),
          pskNonce,
        },
      },
    };
  }
  throw new RequestError(`${field}: give "psk_id" (hex) or "resumption_epoch" (integer)`);
}

function wireOption(req) {
  const wire = req.wire ?? defaultWire;
  if (wire !== "public" && wire !== "private") {
    throw new RequestError(`wire must be "public" or "private", got ${JSON.stringify(wire)}`);
  }
  return wire;
}

function leafIndexOf(state) {
  return state.privatePath.leafIndex;
}

function members(state) {
  const out = [];
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (nodeIndex % 2 === 0 && node !== undefined && node.nodeType === "leaf") {
      const cred = node.leaf.credential;
      out.push({
        leaf_index: nodeIndex / 2,
        identity: cred.credentialType === "basic" ? Buffer.from(cred.identity).toString("utf8") : null,
        signature_key: toHex(node.leaf.signaturePublicKey),
      });
    }
  });
  return out;
}

function epochInfo(state) {
  return {
    epoch: Number(state.groupContext.epoch),
    epoch_authenticator: toHex(state.keySchedule.epochAuthenticator),
  };
}

function summary(state) {
  const active = state.groupActiveState.kind;
  return {
    ...epochInfo(state),
    group_id: toHex(state.groupContext.groupId),
    leaf_index: leafIndexOf(state),
    active: active === "active",
    group_state: active,
    tree_hash: toHex(state.groupContext.treeHash),
    confirmed_transcript_hash: toHex(state.groupContext.confirmedTranscriptHash),
    members: members(state),
  };
}

async function commit(extraProposals, req) {
  const wire = wireOption(req);
  const result = await createCommit(
    { state: group, cipherSuite: impl, pskIndex: pskIndex() },
    {
      extraProposals,
      wireAsPublicMessage: wire === "public",
      ratchetTreeExtension: Boolean(req.ratchet_tree_extension),
      authenticatedData: optionalHex(req, "authenticated_data"),
    },
  );
  // ts-mls applies its own commit at once: the peer is in the new epoch now.
  group = result.newState;
  return result;
}

async function propose(proposal, req) {
  const wire = wireOption(req);
  const p = await createProposal(group, wire === "public", proposal, impl, optionalHex(req, "authenticated_data"));
  group = p.newState;
  return { proposal: toHex(encodeMlsMessage(p.message)), ...epochInfo(group) };
}

function leafIndexField(req) {
  const leafIndex = requireField(req, "leaf_index");
  if (!Number.isInteger(leafIndex) || leafIndex < 0) throw new RequestError('"leaf_index" must be a non-negative integer');
  return leafIndex;
}

// ts-mls names the default extension types; others are plain numbers.
const defaultExtensionNames = new Map(Object.entries(defaultExtensionTypes).map(([name, n]) => [n, name]));
function extensionTypeName(n) {
  return defaultExtensionNames.get(n) ?? n;
}

// opaqueV encodes bytes as opaque<V>: a QUIC-style variable-length size
// (RFC 9420 §2.1.2) followed by the bytes.
function opaqueV(bytes) {
  const n = bytes.length;
  let head;
  if (n < 0x40) head = [n];
  else if (n < 0x4000) head = [0x40 | (n >> 8), n & 0xff];
  else head = [0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return new Uint8Array([...head, ...bytes]);
}

// rfcExternalPubImpl is the cipher suite with one adapter for joining by
// external commit: ts-mls imports the external_pub extension data as the
// public key itself, while RFC 9420 §12.4.3.2 sends it as opaque<V>. A
// 33-byte value starting with its length (32) is unwrapped; every other
// key passes through unchanged (X25519 public keys are 32 bytes).
const rfcExternalPubImpl = {
  ...impl,
  hpke: {
    ...impl.hpke,
    importPublicKey: (key) =>
      impl.hpke.importPublicKey(key.length === 33 && key[0] === 32 ? key.subarray(1) : key),
  },
};

// ---------------------------------------------------------------- operations

const ops = {
  // {op:"create_identity", identity:"alice", grease?:"none"|"random"} -> {key_package}
  async create_identity(req) {
    if (client.identity !== undefined) throw new RequestError("identity already created");
    const identity = requireField(req, "identity");
    if (typeof identity !== "string" || identity.length === 0) {
      throw new RequestError('"identity" must be a non-empty string');
    }
    const capabilities = capabilitiesFor(req.grease);
    const signatureKeyPair = await impl.signature.keygen();
    Object.assign(client, { identity: new TextEncoder().encode(identity), capabilities, signatureKeyPair });
    try {
      const kp = await newKeyPackage();
      return { key_package: toHex(kp), signature_key: toHex(signatureKeyPair.publicKey) };
    } catch (e) {
      Object.assign(client, { identity: undefined, capabilities: undefined, signatureKeyPair: undefined });
      throw e;
    }
  },

  // {op:"key_package"} -> {key_package}: a further KeyPackage for the same identity.
  async key_package() {
    requireIdentity();
    return { key_package: toHex(await newKeyPackage()) };
  },

  // {op:"create_group", group_id:hex} -> state summary
  async create_group(req) {
    requireIdentity();
    requireNoGroup();
    const groupId = fromHex(requireField(req, "group_id"), "group_id");
    const kp = client.pendingKeyPackages.shift();
    if (kp === undefined) throw new RequestError("no unused KeyPackage");
    group = await createGroup(groupId, kp.publicPackage, kp.privatePackage, [], impl);
    return summary(group);
  },

  // {op:"add_member", key_package:hex | key_packages:[hex], wire?,
  //   ratchet_tree_extension?:bool, psks?}
  //   -> {commit, welcome, ratchet_tree, epoch, epoch_authenticator, ...}
  async add_member(req) {
    requireGroup();
    const kps = req.key_packages ?? [requireField(req, "key_package")];
    if (!Array.isArray(kps) || kps.length === 0) throw new RequestError('"key_packages" must be a non-empty array');
    const adds = kps.map((hexKP, i) => {
      const msg = decodeWholeMlsMessage(fromHex(hexKP, `key_packages[${i}]`), "key_package");
      if (msg.wireformat !== "mls_key_package") {
        throw new RequestError(`key_package: expected mls_key_package, got ${msg.wireformat}`);
      }
      return { proposalType: "add", add: { keyPackage: msg.keyPackage } };
    });
    const psks = (req.psks ?? []).map((spec, i) => pskProposal(spec, `psks[${i}]`));
    const result = await commit([...adds, ...psks], req);
    if (result.welcome === undefined) throw new Error("ts-mls produced no Welcome for an Add commit");
    return {
      commit: toHex(encodeMlsMessage(result.commit)),
      welcome: toHex(encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome })),
      ratchet_tree: toHex(encodeRatchetTreeBytes(group.ratchetTree)),
      ...summary(group),
    };
  },

  // {op:"join", welcome:hex, ratchet_tree?:hex} -> state summary
  async join(req) {
    requireIdentity();
    requireNoGroup();
    const msg = decodeWholeMlsMessage(fromHex(requireField(req, "welcome"), "welcome"), "welcome");
    if (msg.wireformat !== "mls_welcome") throw new RequestError(`welcome: expected mls_welcome, got ${msg.wireformat}`);
    const welcome = msg.welcome;
    const refs = welcome.secrets.map((s) => toHex(s.newMember));
    const idx = client.pendingKeyPackages.findIndex((kp) => refs.includes(toHex(kp.ref)));
    if (idx < 0) throw new RequestError("welcome is not addressed to any KeyPackage of this peer");
    const kp = client.pendingKeyPackages[idx];
    const treeBytes = optionalHex(req, "ratchet_tree");
    const tree = treeBytes === undefined ? undefined : decodeRatchetTreeBytes(treeBytes);
    group = await joinGroup(welcome, kp.publicPackage, kp.privatePackage, pskIndex(), impl, tree);
    client.pendingKeyPackages.splice(idx, 1);
    return summary(group);
  },

  // {op:"process", message:hex} -> {kind:"commit"|"proposal"|"application", ...summary, plaintext?}
  async process(req) {
    requireGroup();
    const msg = decodeWholeMlsMessage(fromHex(requireField(req, "message"), "message"), "message");
    if (msg.wireformat !== "mls_public_message" && msg.wireformat !== "mls_private_message") {
      throw new RequestError(`message: expected a public or private message, got ${msg.wireformat}`);
    }
    const contentType =
      msg.wireformat === "mls_public_message" ? msg.publicMessage.content.contentType : msg.privateMessage.contentType;
    const result = await processMessage(msg, group, pskIndex(), acceptAll, impl);
    group = result.newState;
    if (result.kind === "applicationMessage") {
      return { kind: "application", plaintext: toHex(result.message), ...summary(group) };
    }
    return { kind: contentType, ...summary(group) };
  },

  // {op:"unprotect", message:hex} -> {plaintext}; the message must be an application message.
  async unprotect(req) {
    requireGroup();
    const msg = decodeWholeMlsMessage(fromHex(requireField(req, "message"), "message"), "message");
    if (msg.wireformat !== "mls_private_message") {
      throw new RequestError(`message: expected mls_private_message, got ${msg.wireformat}`);
    }
    if (msg.privateMessage.contentType !== "application") {
      throw new RequestError(`message: expected application content, got ${msg.privateMessage.contentType}`);
    }
    const result = await processMessage(msg, group, pskIndex(), acceptAll, impl);
    group = result.newState;
    if (result.kind !== "applicationMessage") throw new Error("application message did not yield application data");
    return { plaintext: toHex(result.message), epoch: Number(group.groupContext.epoch) };
  },

  // {op:"protect", plaintext:hex, authenticated_data?:hex} -> {message}
  async protect(req) {
    requireGroup();
    const plaintext = fromHex(requireField(req, "plaintext"), "plaintext");
    const result = await createApplicationMessage(group, plaintext, impl, optionalHex(req, "authenticated_data"));
    group = result.newState;
    const bytes = encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_private_message",
      privateMessage: result.privateMessage,
    });
    return { message: toHex(bytes), epoch: Number(group.groupContext.epoch) };
  },

  // {op:"commit_update", wire?} -> {commit, ...summary}: a commit with no
  // proposals, so it carries an UpdatePath (fresh leaf and path keys).
  // Pending proposals received through "process" are committed as well.
  async commit_update(req) {
    requireGroup();
    const result = await commit([], req);
    return { commit: toHex(encodeMlsMessage(result.commit)), ...summary(group) };
  },

  // {op:"commit", wire?} -> {commit, welcome?, ratchet_tree, ...summary}:
  // commits the pending proposals received through "process" (an empty
  // commit with an UpdatePath if there are none).
  async commit(req) {
    requireGroup();
    const result = await commit([], req);
    const out = { commit: toHex(encodeMlsMessage(result.commit)) };
    if (result.welcome !== undefined) {
      out.welcome = toHex(encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome }));
    }
    return { ...out, ratchet_tree: toHex(encodeRatchetTreeBytes(group.ratchetTree)), ...summary(group) };
  },

  // {op:"remove_member", leaf_index:n, by_reference?:bool, wire?}
  //   -> {proposal?, commit, ...summary}
  // by_reference false (default): one commit carrying the Remove inline.
  // by_reference true: a Remove proposal message, then a commit that refers
  // to it; other members must process "proposal" before "commit".
  async remove_member(req) {
    requireGroup();
    const proposal = { proposalType: "remove", remove: { removed: leafIndexField(req) } };
    if (req.by_reference) {
      const p = await propose(proposal, req);
      const result = await commit([], req);
      return {
        proposal: p.proposal,
        commit: toHex(encodeMlsMessage(result.commit)),
        ...summary(group),
      };
    }
    const result = await commit([proposal], req);
    return { commit: toHex(encodeMlsMessage(result.commit)), ...summary(group) };
  },

  // {op:"group_info", ratchet_tree_extension?:bool, external_pub?:"rfc"|"ts-mls"}
  //   -> {group_info, ratchet_tree, ...summary}: a signed GroupInfo
  //   (MLSMessage) with external_pub, for joining by external commit; with
  //   ratchet_tree_extension it also carries the tree. ts-mls itself puts
  //   the bare public key in external_pub; RFC 9420 §12.4.3.2 encodes the
  //   ExternalPub struct, i.e. the key as opaque<V> with its length. "rfc"
  //   (the default) signs a GroupInfo with the RFC encoding.
  async group_info(req) {
    requireGroup();
    const encoding = req.external_pub ?? "rfc";
    if (encoding !== "rfc" && encoding !== "ts-mls") {
      throw new RequestError(`external_pub must be "rfc" or "ts-mls", got ${JSON.stringify(encoding)}`);
    }
    let gi;
    if (encoding === "ts-mls") {
      gi = req.ratchet_tree_extension
        ? await createGroupInfoWithExternalPubAndRatchetTree(group, [], impl)
        : await createGroupInfoWithExternalPub(group, [], impl);
    } else {
      const kp = await impl.hpke.deriveKeyPair(group.keySchedule.externalSecret);
      const pub = await impl.hpke.exportPublicKey(kp.publicKey);
      const extensions = [{ extensionType: "external_pub", extensionData: opaqueV(pub) }];
      if (req.ratchet_tree_extension) {
        extensions.push({ extensionType: "ratchet_tree", extensionData: encodeRatchetTreeBytes(group.ratchetTree) });
      }
      gi = await createGroupInfo(group.groupContext, group.confirmationTag, group, extensions, impl);
    }
    return {
      group_info: toHex(encodeMlsMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo: gi })),
      ratchet_tree: toHex(encodeRatchetTreeBytes(group.ratchetTree)),
      ...summary(group),
    };
  },

  // {op:"join_external", group_info:hex, ratchet_tree?:hex, resync?:bool}
  //   -> {commit, ...summary}: joins by external commit with an unused
  //   KeyPackage's leaf (one is made if none is left); the commit (a
  //   PublicMessage) is for the existing members. Applied at once. With
  //   resync, the commit also removes this client's old leaf (the leaf with
  //   its signature key), as after losing its state (forget_group).
  async join_external(req) {
    requireIdentity();
    requireNoGroup();
    const msg = decodeWholeMlsMessage(fromHex(requireField(req, "group_info"), "group_info"), "group_info");
    if (msg.wireformat !== "mls_group_info") {
      throw new RequestError(`group_info: expected mls_group_info, got ${msg.wireformat}`);
    }
    if (client.pendingKeyPackages.length === 0) await newKeyPackage();
    const kp = client.pendingKeyPackages[0];
    const treeBytes = optionalHex(req, "ratchet_tree");
    const tree = treeBytes === undefined ? undefined : decodeRatchetTreeBytes(treeBytes);
    // Accept external_pub in the RFC encoding as well as ts-mls's own.
    const result = await joinGroupExternal(
      msg.groupInfo,
      kp.publicPackage,
      kp.privatePackage,
      Boolean(req.resync),
      rfcExternalPubImpl,
      tree,
    );
    client.pendingKeyPackages.shift();
    group = result.newState;
    const commitBytes = encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_public_message",
      publicMessage: result.publicMessage,
    });
    return { commit: toHex(commitBytes), ...summary(group) };
  },

  // {op:"forget_group"} -> {}: drops the group state, keeping the identity,
  // as a client that lost its storage would.
  async forget_group() {
    requireGroup();
    group = undefined;
    return {};
  },

  // {op:"add_psk", psk_id:hex, secret:hex} -> {}: registers an external PSK.
  async add_psk(req) {
    const id = fromHex(requireField(req, "psk_id"), "psk_id");
    const secret = fromHex(requireField(req, "secret"), "secret");
    client.externalPsks[Buffer.from(id).toString("base64")] = secret;
    return {};
  },

  // {op:"commit_psk", psks:[{psk_id:hex}|{resumption_epoch:n}], wire?}
  //   -> {commit, ...summary}: a commit with PreSharedKey proposals inline.
  async commit_psk(req) {
    requireGroup();
    const specs = requireField(req, "psks");
    if (!Array.isArray(specs) || specs.length === 0) throw new RequestError('"psks" must be a non-empty array');
    const result = await commit(specs.map((spec, i) => pskProposal(spec, `psks[${i}]`)), req);
    return { commit: toHex(encodeMlsMessage(result.commit)), ...summary(group) };
  },

  // {op:"propose_add", key_package:hex, wire?} -> {proposal}
  async propose_add(req) {
    requireGroup();
    const msg = decodeWholeMlsMessage(fromHex(requireField(req, "key_package"), "key_package"), "key_package");
    if (msg.wireformat !== "mls_key_package") {
      throw new RequestError(`key_package: expected mls_key_package, got ${msg.wireformat}`);
    }
    return propose({ proposalType: "add", add: { keyPackage: msg.keyPackage } }, req);
  },

  // {op:"propose_remove", leaf_index:n, wire?} -> {proposal}
  async propose_remove(req) {
    requireGroup();
    return propose({ proposalType: "remove", remove: { removed: leafIndexField(req) } }, req);
  },

  // {op:"commit_extensions", extensions:[{type:n, data:hex}], wire?}
  //   -> {commit, ...summary}: a commit with one GroupContextExtensions
  //   proposal inline. ts-mls adds no UpdatePath to it (RFC 9420 requires one).
  async commit_extensions(req) {
    requireGroup();
    const list = requireField(req, "extensions");
    if (!Array.isArray(list)) throw new RequestError('"extensions" must be an array');
    const extensions = list.map((x, i) => {
      if (!Number.isInteger(x.type) || x.type < 0 || x.type > 0xffff) {
        throw new RequestError(`extensions[${i}].type must be a uint16`);
      }
      return { extensionType: extensionTypeName(x.type), extensionData: fromHex(x.data ?? "", `extensions[${i}].data`) };
    });
    const result = await commit(
      [{ proposalType: "group_context_extensions", groupContextExtensions: { extensions } }],
      req,
    );
    return { commit: toHex(encodeMlsMessage(result.commit)), ...summary(group) };
  },

  // {op:"state"} -> state summary
  async state() {
    requireGroup();
    return summary(group);
  },

  // {op:"epoch"} -> {epoch, epoch_authenticator}
  async epoch() {
    requireGroup();
    return epochInfo(group);
  },

  // {op:"secrets"} -> the current epoch's key schedule and encoded
  // GroupContext. For diagnosing a disagreement only.
  async secrets() {
    requireGroup();
    const ks = group.keySchedule;
    return {
      ...epochInfo(group),
      group_context: toHex(encodeGroupContext(group.groupContext)),
      sender_data_secret: toHex(ks.senderDataSecret),
      exporter_secret: toHex(ks.exporterSecret),
      external_secret: toHex(ks.externalSecret),
      confirmation_key: toHex(ks.confirmationKey),
      membership_key: toHex(ks.membershipKey),
      resumption_psk: toHex(ks.resumptionPsk),
      init_secret: toHex(ks.initSecret),
      confirmation_tag: toHex(group.confirmationTag),
      ratchet_tree: toHex(encodeRatchetTreeBytes(group.ratchetTree)),
    };
  },

  // {op:"export", label:string, context:hex, length:n} -> {secret}
  async export(req) {
    requireGroup();
    const label = requireField(req, "label");
    if (typeof label !== "string") throw new RequestError('"label" must be a string');
    const context = fromHex(req.context ?? "", "context");
    const length = requireField(req, "length");
    if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
      throw new RequestError('"length" must be an integer in 0..65535');
    }
    const secret = await mlsExporter(group.keySchedule.exporterSecret, label, context, length, impl);
    return { secret: toHex(secret), ...epochInfo(group) };
  },

  // {op:"configure", wire?:"public"|"private"} -> {wire}
  async configure(req) {
    if (req.wire !== undefined) defaultWire = wireOption(req);
    return { wire: defaultWire };
  },

  // {op:"hello"} -> {implementation, version, node, cipher_suite, suite_name}
  async hello() {
    return { implementation: "ts-mls", version: TS_MLS_VERSION, node: process.version, cipher_suite: SUITE_ID, suite_name: SUITE_NAME };
  },

  // {op:"shutdown"} -> {} and the process exits.
  async shutdown() {
    shuttingDown = true;
    return {};
  },
};

// ---------------------------------------------------------------- loop

let shuttingDown = false;

function errorText(e) {
  if (e instanceof Error) {
    const name = e.name && e.name !== "Error" ? `${e.name}: ` : "";
    return `${name}${e.message}`;
  }
  return String(e);
}

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `request is not JSON: ${e.message}` };
  }
  if (req === null || typeof req !== "object" || Array.isArray(req)) {
    return { ok: false, error: "request must be a JSON object" };
  }
  const id = req.id;
  const withId = (resp) => (id === undefined ? resp : { id, ...resp });
  const op = req.op;
  if (typeof op !== "string" || !Object.hasOwn(ops, op)) {
    return withId({ ok: false, error: `unknown op ${JSON.stringify(op)}` });
  }
  try {
    const result = await ops[op](req);
    return withId({ ok: true, ...result });
  } catch (e) {
    if (process.env.MLS_PEER_DEBUG) console.error(e);
    return withId({ ok: false, error: errorText(e) });
  }
}

function write(resp) {
  return new Promise((resolve) => {
    const text = JSON.stringify(resp, (_k, v) => (typeof v === "bigint" ? Number(v) : v)) + "\n";
    process.stdout.write(text, () => resolve());
  });
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
for await (const line of rl) {
  if (line.trim() === "") continue;
  await write(await handle(line));
  if (shuttingDown) break;
}
rl.close();
process.exit(0);
