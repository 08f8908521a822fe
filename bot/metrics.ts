import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Labels carry only bounded, non-secret values (verbs, outcomes, states).
export interface BotMetrics {
  registry: Registry;
  cardActions: Counter<'verb' | 'outcome'>;
  httpDuration: Histogram<'route' | 'status'>;
  requestTransitions: Counter<'kind' | 'state'>;
  writebackJobs: Counter<'kind' | 'outcome'>;
  limitRefusals: Counter<'action' | 'scope'>;
  undeliveredCards: Counter<'kind'>;
  callerDenied: Counter<string>;
}

export function createMetrics(): BotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'resetdesk_' });
  return {
    registry,
    cardActions: new Counter({ name: 'resetdesk_card_actions_total', help: 'Adaptive Card actions handled', labelNames: ['verb', 'outcome'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'resetdesk_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    requestTransitions: new Counter({ name: 'resetdesk_request_transitions_total', help: 'Reset request state changes', labelNames: ['kind', 'state'], registers: [registry] }),
    writebackJobs: new Counter({ name: 'resetdesk_writeback_jobs_total', help: 'Writeback jobs finished', labelNames: ['kind', 'outcome'], registers: [registry] }),
    callerDenied: new Counter({ name: 'resetdesk_helpdesk_caller_denied_total', help: 'Helpdesk calls stopped because the account owner said the caller was not them', registers: [registry] }),
    undeliveredCards: new Counter({ name: 'resetdesk_undelivered_cards_total', help: 'Cards that could not be delivered to anyone in Teams, after retries', labelNames: ['kind'], registers: [registry] }),
    limitRefusals: new Counter({ name: 'resetdesk_limit_refusals_total', help: 'Actions refused because a person or an account reached a usage limit', labelNames: ['action', 'scope'], registers: [registry] }),
  };
}
