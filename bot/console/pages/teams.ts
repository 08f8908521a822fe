/// <reference lib="dom" />
// The tab's link to its Teams host through @microsoft/teams-js: start, learn
// the theme, follow theme changes, and ask for the SSO token. Outside a
// Teams host, app.initialize() rejects at once ("No Parent window found");
// inside a frame nobody answers for, it would wait a minute, so we stop
// waiting sooner and say where to open the console.
import { app, authentication } from '@microsoft/teams-js';

export type TeamsTheme = 'default' | 'dark' | 'contrast';

export type Connection =
  | { inTeams: true; theme: TeamsTheme; userPrincipalName: string | null }
  | { inTeams: false; reason: string };

// Teams answers in well under a second; a busy machine may take a few.
const CONNECT_TIMEOUT_MS = 15_000;

export function themeOf(name: string | undefined): TeamsTheme {
  return name === 'dark' || name === 'contrast' ? name : 'default';
}

export async function connectToTeams(validMessageOrigins: string[]): Promise<Connection> {
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error('No Teams host answered.')), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([app.initialize(validMessageOrigins.length > 0 ? validMessageOrigins : undefined), timeout]);
    const context = await Promise.race([app.getContext(), timeout]);
    app.notifySuccess().catch(() => undefined);
    return { inTeams: true, theme: themeOf(context.app.theme), userPrincipalName: context.user?.userPrincipalName ?? null };
  } catch (err) {
    return { inTeams: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    window.clearTimeout(timer);
  }
}

export function onThemeChange(handler: (theme: TeamsTheme) => void): void {
  app.registerOnThemeChangeHandler((name) => handler(themeOf(name)));
}

/** The Entra token for the console's API, from Teams SSO (never stored by the page). */
export function ssoToken(): Promise<string> {
  return authentication.getAuthToken();
}
