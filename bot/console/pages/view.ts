/// <reference lib="dom" />
// What each view of the console is given and gives back.
import type { MeAnswer } from '../console-api';
import type { ConsoleView } from '../roles';
import { ApiError, type Api } from './api';
import { h } from './dom';

export interface ViewContext {
  api: Api;
  me: MeAnswer;
}

export interface ViewPanel {
  element: HTMLElement;
  /** Called each time the view is opened (reload what may have changed). */
  show(): void;
}

export interface ConsoleViewModule {
  id: ConsoleView;
  title: string;
  create(ctx: ViewContext): ViewPanel;
}

/** What to tell a person when a call failed: the service's own words for known failures. */
export function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Your sign-in could not be checked. Reload the tab; if it persists, ask IT to check the console\'s app registration.';
    // Other refusals (helping oneself, a request of someone else's) carry the service's own words.
    if (err.status === 403 && err.code === 'CONSOLE_FORBIDDEN') return 'You do not have the ResetDesk role this needs.';
    return err.message;
  }
  return 'The service could not be reached. Check your connection and try again.';
}

/** A message box for an error (role=alert: read at once). */
export function errorBox(err: unknown): HTMLElement {
  return h('p', { class: 'message error', role: 'alert' }, problemText(err));
}
