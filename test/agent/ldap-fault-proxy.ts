// A domain controller that fails on cue: an LDAPS proxy in front of the run's
// Samba DC. It ends the agent's TLS with a certificate of its own (which the
// test's agent config trusts), reads every request, and for each search asks
// the rule the test set: pass it on, pass it on without some attributes (as
// AD leaves out what the account may not read), answer it with an LDAP
// error, or cut the connection. Everything else goes to the real DC, so the agent under
// test runs its real code against real AD answers up to the fault. It can also
// let a modify reach the DC and lose its answer (the DC applied it; the agent
// never hears), then stay down, refusing connections, until told otherwise.
import { connect as tlsConnect, createServer, type Server, type TLSSocket } from 'node:tls';
import { BerReader, BerWriter, PresenceFilter, SearchRequest } from 'ldapts';
import { localhostCertificate } from '../support/self-signed';
import type { TestDirectory } from '../support/test-directory';

export interface SeenSearch {
  baseDn: string;
  scope: string;
  /** The filter as ldapts prints it, e.g. "(&(objectclass=group)(samaccountname=Tier0 Operators))" (equality filters read reliably). */
  filter: string;
  /** Lower-cased, as ldapts parses them. */
  attributes: string[];
}

/** What the proxy does with one search. */
export type FaultAction = 'pass' | 'cut' | { resultCode: number } | { withoutAttributes: string[] };

export type FaultRule = (search: SeenSearch) => FaultAction;

/** What the proxy does with a modify: pass it on, or pass it on, wait for the DC's answer, drop it and go down. */
export type ModifyFault = 'pass' | 'lose-answer-then-down' | 'hold';

export interface LdapFaultProxy {
  /** ldaps:// URL of the proxy. */
  url: string;
  /** The proxy's certificate, to trust as the CA. */
  ca: string;
  servername: string;
  /** Sets the rule for searches from now on; undefined passes everything. */
  fault(rule: FaultRule | undefined): void;
  /** Searches the rule faulted, in order. */
  faulted: SeenSearch[];
  /** Sets what happens to the next modifies. */
  faultModify(fault: ModifyFault): void;
  /** Resolves when the proxy went down after losing a modify's answer. */
  wentDown(): Promise<void>;
  /** Cuts every connection and refuses new ones: as if the DC were unreachable. */
  down(): Promise<void>;
  /** Accepts connections again. */
  up(): Promise<void>;
  /** Modifies that reached the DC through the proxy. */
  modifies: number;
  /** Resolves when a modify is being held (fault 'hold'). */
  modifyHeld(): Promise<void>;
  /** Sends held modifies on to the DC and passes the next ones. */
  releaseModifies(): void;
  close(): Promise<void>;
}

const SEARCH_REQUEST = 0x63;
const SEARCH_RESULT_DONE = 0x65;
const MODIFY_REQUEST = 0x66;
const MODIFY_RESPONSE = 0x67;

/** The message id and protocol-operation tag of one whole LDAP message. */
function headOf(message: Buffer): { messageId: number; tag: number } {
  const reader = new BerReader(message);
  reader.readSequence();
  const messageId = reader.readInt() ?? 0;
  return { messageId, tag: message[reader.offset] ?? 0 };
}

/** Header and content length of the BER element at `at`; undefined while it is incomplete. */
function element(buffer: Buffer, at: number): { header: number; length: number } | undefined {
  if (buffer.length - at < 2) return undefined;
  let length = buffer[at + 1]!;
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (buffer.length - at < 2 + octets) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buffer[at + 2 + i]!;
    header += octets;
  }
  return buffer.length - at < header + length ? undefined : { header, length };
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

/** Splits whole LDAP messages (BER SEQUENCEs) off the front of a stream buffer. */
function takeMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let at = 0;
  for (let e = element(buffer, at); e; e = element(buffer, at)) {
    if (buffer[at] !== 0x30) throw new Error('not an LDAP message');
    messages.push(buffer.subarray(at, at + e.header + e.length));
    at += e.header + e.length;
  }
  return { messages, rest: buffer.subarray(at) };
}

interface ReadRequest {
  messageId: number;
  search?: SeenSearch;
  /** The same search asking only for `attributes`, when it can be rewritten (no controls). */
  rewrite?: (attributes: string[]) => Buffer;
}

function readRequest(message: Buffer): ReadRequest {
  const reader = new BerReader(message);
  reader.readSequence();
  const messageId = reader.readInt() ?? 0;
  if (reader.readSequence() !== SEARCH_REQUEST) return { messageId };
  const opStart = reader.offset;
  // The filter is a placeholder until parseMessage reads the real one.
  const request = new SearchRequest({ messageId, filter: new PresenceFilter({ attribute: 'objectClass' }) });
  request.parseMessage(reader);
  const search = { baseDn: request.baseDN, scope: request.scope, filter: request.filter.toString(), attributes: [...request.attributes] };
  if (reader.remain > 0) return { messageId, search };
  // Base, scope, aliases, size and time limits, types-only and the filter come before the attribute list.
  let attributesAt = opStart;
  for (let i = 0; i < 7; i++) {
    const e = element(message, attributesAt)!;
    attributesAt += e.header + e.length;
  }
  const rewrite = (attributes: string[]): Buffer => {
    const id = new BerWriter();
    id.writeInt(messageId);
    const list = tlv(0x30, Buffer.concat(attributes.map((a) => tlv(0x04, Buffer.from(a, 'utf8')))));
    return tlv(0x30, Buffer.concat([id.buffer, tlv(SEARCH_REQUEST, Buffer.concat([message.subarray(opStart, attributesAt), list]))]));
  };
  return { messageId, search, rewrite };
}

function searchDone(messageId: number, resultCode: number): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(messageId);
  w.startSequence(SEARCH_RESULT_DONE);
  w.writeEnumeration(resultCode);
  w.writeString('');
  w.writeString('fault injected by the test proxy');
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/** Pipes whole messages only, so an injected answer never lands inside a real one. */
function onMessages(socket: TLSSocket, handle: (message: Buffer) => void, onBroken: () => void): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    try {
      const { messages, rest } = takeMessages(Buffer.concat([pending, chunk]));
      pending = Buffer.from(rest);
      for (const m of messages) handle(m);
    } catch {
      onBroken();
    }
  });
}

export async function startLdapFaultProxy(dir: TestDirectory): Promise<LdapFaultProxy> {
  const cert = await localhostCertificate();
  let rule: FaultRule | undefined;
  let modifyFault: ModifyFault = 'pass';
  const faulted: SeenSearch[] = [];
  const open = new Set<TLSSocket>();
  let listening = false;
  let modifies = 0;
  let onDown: (() => void) | undefined;
  let downed = new Promise<void>((r) => (onDown = r));
  let heldModifies: Array<() => void> = [];
  let onHeld: (() => void) | undefined;
  let firstHeld = new Promise<void>((r) => (onHeld = r));

  const cutAll = (): void => {
    for (const s of open) s.destroy();
    open.clear();
  };

  const onConnection = (client: TLSSocket): void => {
    const upstream = tlsConnect({ host: dir.dc.host, port: 636, ca: [dir.ca], servername: dir.dc.servername });
    open.add(client);
    open.add(upstream);
    // Modifies whose answer is to be lost, by message id.
    const losing = new Set<number>();
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        open.delete(s);
        cut();
      });
    }
    onMessages(upstream, (m) => {
      const { messageId, tag } = headOf(m);
      if (tag === MODIFY_RESPONSE && losing.has(messageId)) {
        // The DC has applied (or refused) it; the agent will never know which.
        void proxy.down().then(() => onDown?.());
        return;
      }
      client.write(m);
    }, cut);
    onMessages(client, (m) => {
      const { messageId, search, rewrite } = readRequest(m);
      if (!search && headOf(m).tag === MODIFY_REQUEST) {
        const send = (): void => {
          modifies += 1;
          upstream.write(m);
        };
        if (modifyFault === 'hold') {
          heldModifies.push(send);
          onHeld?.();
          return;
        }
        if (modifyFault === 'lose-answer-then-down') losing.add(messageId);
        send();
        return;
      }
      const action = search && rule ? rule(search) : 'pass';
      if (action === 'pass') {
        upstream.write(m);
        return;
      }
      faulted.push(search!);
      if (action === 'cut') cut();
      else if ('resultCode' in action) client.write(searchDone(messageId, action.resultCode));
      else {
        const hidden = new Set(action.withoutAttributes.map((a) => a.toLowerCase()));
        if (!rewrite) throw new Error('the proxy cannot rewrite a search that carries controls');
        upstream.write(rewrite(search!.attributes.filter((a) => !hidden.has(a))));
      }
    }, cut);
  };

  let server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listening = true;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const proxy: LdapFaultProxy = {
    url: `ldaps://127.0.0.1:${port}`,
    ca: cert.certPem,
    servername: 'localhost',
    fault(next) {
      rule = next;
    },
    faulted,
    faultModify(fault) {
      modifyFault = fault;
    },
    wentDown: () => downed,
    modifyHeld: () => firstHeld,
    releaseModifies() {
      modifyFault = 'pass';
      const waiting = heldModifies;
      heldModifies = [];
      firstHeld = new Promise<void>((r) => (onHeld = r));
      for (const send of waiting) send();
    },
    get modifies() {
      return modifies;
    },
    async down() {
      if (!listening) return;
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
    async up() {
      if (listening) return;
      modifyFault = 'pass';
      downed = new Promise<void>((r) => (onDown = r));
      server = createServer({ cert: cert.certPem, key: cert.keyPem }, onConnection);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      listening = true;
    },
    async close() {
      await proxy.down();
    },
  };
  return proxy;
}
