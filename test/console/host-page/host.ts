/// <reference lib="dom" />
// A stand-in for the Teams client, for the console tab: it frames the tab
// and answers the teams-js postMessage protocol as Teams does (read from
// @microsoft/teams-js 2.58's communication code): `initialize` with the frame
// context, client type, runtime configuration and SDK version;
// `getContext`; `authentication.getAuthToken` with a token from the local
// test issuer (fetched from this host's own server); and the theme change
// event. It is served from an origin of its own, which the console lists in
// validMessageOrigins (RESETDESK_CONSOLE_FRAME_ANCESTORS).

interface HostPerson {
  aadObjectId: string;
  displayName: string;
  userPrincipalName: string;
}

interface HostSettings {
  consoleUrl: string;
  tenantId: string;
  people: HostPerson[];
}

interface TeamsMessage {
  id?: number;
  uuidAsString?: string;
  func?: string;
  args?: unknown[];
}

const SDK_VERSION = '2.58.0';

// What a Teams web client supports, as far as the console uses it (runtime API version 4).
const RUNTIME = {
  apiVersion: 4,
  isLegacyTeams: false,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  supports: { app: {}, authentication: {}, pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} }, teamsCore: {} },
};

const settings = JSON.parse(document.body.dataset.settings ?? '{}') as HostSettings;
const personSelect = document.getElementById('person') as HTMLSelectElement;
const themeSelect = document.getElementById('theme') as HTMLSelectElement;
const openButton = document.getElementById('open') as HTMLButtonElement;
const stage = document.getElementById('stage') as HTMLElement;
const consoleOrigin = settings.consoleUrl ? new URL(settings.consoleUrl).origin : '';
const received: string[] = [];
(window as unknown as { hostLog: string[] }).hostLog = received;

for (const p of settings.people) {
  const option = document.createElement('option');
  option.value = p.aadObjectId;
  option.textContent = `${p.displayName} (${p.userPrincipalName})`;
  personSelect.appendChild(option);
}

let frame: HTMLIFrameElement | null = null;
let person: HostPerson | undefined;

function legacyContext(): Record<string, unknown> {
  return {
    locale: 'en-us',
    theme: themeSelect.value,
    entityId: 'console',
    frameContext: 'content',
    hostClientType: 'web',
    hostName: 'Teams',
    appSessionId: crypto.randomUUID(),
    sessionId: crypto.randomUUID(),
    tid: settings.tenantId,
    userObjectId: person?.aadObjectId,
    userDisplayName: person?.displayName,
    userPrincipalName: person?.userPrincipalName,
    loginHint: person?.userPrincipalName,
    isFullScreen: false,
    userLicenseType: 'Unknown',
    tenantSKU: 'enterprise',
  };
}

function reply(message: TeamsMessage, args: unknown[]): void {
  frame?.contentWindow?.postMessage({ id: message.id, uuidAsString: message.uuidAsString, args }, consoleOrigin);
}

async function answer(message: TeamsMessage): Promise<void> {
  switch (message.func) {
    case 'initialize':
      reply(message, ['content', 'web', JSON.stringify(RUNTIME), SDK_VERSION]);
      return;
    case 'getContext':
      reply(message, [legacyContext()]);
      return;
    case 'authentication.getAuthToken': {
      const res = await fetch(`/token?person=${encodeURIComponent(person?.aadObjectId ?? '')}`, { cache: 'no-store' });
      reply(message, res.ok ? [true, await res.text()] : [false, 'FailedToGetAuthToken: the test issuer refused']);
      return;
    }
    default:
      // registerHandler, appInitialization.success and the like need no answer.
      return;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  if (!frame || event.source !== frame.contentWindow || event.origin !== consoleOrigin) return;
  const message = event.data as TeamsMessage;
  if (!message || typeof message.func !== 'string') return;
  received.push(message.func);
  void answer(message);
});

function open(): void {
  if (!settings.consoleUrl) {
    const note = document.createElement('p');
    note.textContent = 'The bot service is not listening yet: reload this page in a moment.';
    stage.replaceChildren(note);
    return;
  }
  person = settings.people.find((p) => p.aadObjectId === personSelect.value);
  frame?.remove();
  frame = document.createElement('iframe');
  frame.id = 'console';
  frame.title = 'ResetDesk console';
  frame.src = settings.consoleUrl;
  stage.replaceChildren(frame);
}

openButton.addEventListener('click', open);
themeSelect.addEventListener('change', () => {
  // Teams tells the tab with a one-way message: no id, a func and its arguments.
  frame?.contentWindow?.postMessage({ func: 'themeChange', args: [themeSelect.value] }, consoleOrigin);
  document.body.dataset.theme = themeSelect.value;
});

const params = new URLSearchParams(location.search);
const wanted = params.get('person');
if (wanted) personSelect.value = wanted;
const theme = params.get('theme');
if (theme) {
  themeSelect.value = theme;
  document.body.dataset.theme = theme;
}
if (wanted) open();
