// The sample people's inboxes and phones, as one local web page: every mail
// the stand-in for Graph was asked to send and every text message the SMS
// stand-in received, newest first. One-time codes go here and nowhere else
// (never to the console or a log), so trying the demo means reading the code
// the way a person would. The page also lists the people with the link that
// opens Teams (the Agents Playground) as each of them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeGraph } from '../../test/support/fake-graph';
import type { FakeSms } from '../../test/support/fake-sms';
import { SAMPLE_PEOPLE, e164Of, upnOf, type PersonKey, type SamplePerson } from './people';

export interface MailboxMessage {
  person: SamplePerson | undefined;
  kind: 'mail' | 'text';
  to: string;
  subject: string;
  body: string;
  at: Date;
}

export interface Mailbox {
  url: string;
  port: number;
  /** Every message so far, newest first (for one person when `person` is given). */
  messages(person?: PersonKey): MailboxMessage[];
  close(): Promise<void>;
}

export interface MailboxOptions {
  graph: Pick<FakeGraph, 'state'>;
  sms: Pick<FakeSms, 'messages'>;
  port: number;
  /** The Playground page of each person, for the list of people. */
  teamsLinks?: () => Partial<Record<PersonKey, string>>;
  /** Each person's starting password, shown beside them (throwaway sample accounts). */
  startPasswords?: Partial<Record<PersonKey, string>>;
}

function ownerOfAddress(address: string): SamplePerson | undefined {
  const a = address.toLowerCase();
  return SAMPLE_PEOPLE.find((p) => p.alternateEmail.toLowerCase() === a || upnOf(p) === a || e164Of(p) === address);
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export async function startMailbox(opts: MailboxOptions): Promise<Mailbox> {
  // The Graph stand-in keeps no time with a mail: it is noted when the page first sees it.
  const mailSeenAt: Date[] = [];
  const messages = (key?: PersonKey): MailboxMessage[] => {
    const mails = opts.graph.state.sentMails;
    while (mailSeenAt.length < mails.length) mailSeenAt.push(new Date());
    const all: MailboxMessage[] = [
      ...mails.flatMap((m, i) => m.to.map((to) => ({ person: ownerOfAddress(to), kind: 'mail' as const, to, subject: m.subject, body: m.content, at: mailSeenAt[i]! }))),
      ...opts.sms.messages.map((m) => ({ person: ownerOfAddress(m.to), kind: 'text' as const, to: m.to, subject: 'Text message', body: m.text, at: m.at })),
    ];
    return all.filter((m) => key === undefined || m.person?.key === key).sort((a, b) => b.at.getTime() - a.at.getTime());
  };

  const page = (key: PersonKey | undefined): string => {
    const links = opts.teamsLinks?.() ?? {};
    const shown = messages(key);
    const who = key ? SAMPLE_PEOPLE.find((p) => p.key === key) : undefined;
    const rows = SAMPLE_PEOPLE.map((p) => {
      const teams = links[p.key] ? `<a href="${escapeHtml(links[p.key]!)}" target="_blank">Open Teams as ${escapeHtml(p.givenName)}</a>` : '';
      const pw = opts.startPasswords?.[p.key] ? `<code>${escapeHtml(opts.startPasswords[p.key]!)}</code>` : '';
      return `<tr><td><a href="/?person=${p.key}">${escapeHtml(p.displayName)}</a></td><td>${escapeHtml(upnOf(p))}</td><td class="nowrap">${pw}</td>`
        + `<td>${escapeHtml(p.alternateEmail)}</td><td class="nowrap">${escapeHtml(p.mobile ?? '')}</td><td>${teams}</td><td>${escapeHtml(p.story)}</td></tr>`;
    }).join('\n');
    const items = shown.map((m) => {
      const to = m.person ? `${m.person.displayName} &lt;${escapeHtml(m.to)}&gt;` : escapeHtml(m.to);
      return `<article aria-label="${m.kind === 'mail' ? 'E-mail' : 'Text message'} to ${escapeHtml(m.person?.displayName ?? m.to)}">`
        + `<h3>${escapeHtml(m.subject)}</h3><p class="meta">${m.kind === 'mail' ? 'E-mail' : 'Text message'} to ${to}, ${m.at.toLocaleTimeString('en-GB')}</p>`
        + `<pre>${escapeHtml(m.body)}</pre></article>`;
    }).join('\n');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ResetDesk demo: mail and text messages</title>
<style>body{font:15px system-ui,sans-serif;margin:2em;max-width:90em}td.nowrap{white-space:nowrap}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
article{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:.8em 0}article h3{margin:.2em 0}.meta{color:#666;margin:.2em 0}pre{white-space:pre-wrap;font:inherit}</style></head><body>
<h1>ResetDesk demo: mail and text messages</h1>
<p>Codes and notices the sample people receive arrive here, newest first. This page updates by itself. Pick a person in the list below to see only their messages.</p>
<h2>${who ? `Messages for ${escapeHtml(who.displayName)}` : 'All messages'} (${shown.length})</h2>
${key ? '<p><a href="/">Show everyone\'s messages</a></p>' : ''}
${items || '<p>No messages yet.</p>'}
<h2>People</h2>
<table><thead><tr><th>Person</th><th>Account</th><th>Start password</th><th>Alternate e-mail</th><th>Mobile</th><th>Teams</th><th>Try</th></tr></thead><tbody>
${rows}
</tbody></table>
<script>
const seen = ${shown.length};
setInterval(async () => {
  try { const r = await fetch('/count' + location.search); if (Number(await r.text()) !== seen) location.reload(); } catch {}
}, 1500);
</script></body></html>`;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const param = url.searchParams.get('person') ?? undefined;
    const key = SAMPLE_PEOPLE.find((p) => p.key === param)?.key;
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(key));
    } else if (req.method === 'GET' && url.pathname === '/count') {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      res.end(String(messages(key).length));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
