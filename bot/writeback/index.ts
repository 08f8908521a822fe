// The writeback channel: the service the journey calls and the gateway agents call.
import type { Logger } from '../log';
import type { BotMetrics } from '../metrics';
import type { Store } from '../store';
import { createAgentGateway, DEFAULT_TOUCH_EVERY_MS, type AgentGateway } from './agent-gateway';
import type { ServiceSigningKey } from './crypto';
import { createWritebackService, DEFAULT_AGENT_ALIVE_WITHIN_MS, DEFAULT_LEASE_MS, type WritebackService } from './writeback-service';

export * from './writeback-service';
export * from './agent-gateway';
export * from './enrollment-codes';
export { finishedEvent, EXPIRED_RESULT, UNCONFIRMED_RESULT, type JobFinishedEvent, type JobFinishedListener } from './result-delivery';

export interface WritebackChannelOptions {
  store: Store;
  signingKey: ServiceSigningKey;
  audience: string;
  logger: Logger;
  metrics?: BotMetrics;
  jobTtlSeconds?: number;
  agentAliveWithinMs?: number;
  /** Seal only to confirmed agents heard from within this window. */
  sealToAgentsSeenWithinMs?: number;
  /** Confirm newly enrolled agents at once (the local trial). */
  autoConfirmAgents?: boolean;
  leaseMs?: number;
  longPollMs?: number;
  sweepIntervalMs?: number;
  now?: () => Date;
}

/** Service and gateway wired together, in the shape the app takes (routes, start, stop). */
export type WritebackChannel = WritebackService & {
  gateway: AgentGateway;
  routes: AgentGateway[];
  onAgentEnrolled: AgentGateway['onAgentEnrolled'];
};

export function createWritebackChannel(o: WritebackChannelOptions): WritebackChannel {
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const service = createWritebackService({ ...o, leaseMs });
  // Last-seen writes are thinned out, but never so much that a live agent could look dead.
  const aliveWithinMs = o.agentAliveWithinMs ?? DEFAULT_AGENT_ALIVE_WITHIN_MS;
  const touchEveryMs = Math.min(DEFAULT_TOUCH_EVERY_MS, Math.floor(aliveWithinMs / 10));
  const gateway = createAgentGateway({ ...o, leaseMs, touchEveryMs, onResultRecorded: (jobId) => service.resultRecorded(jobId) });
  return {
    ...service,
    gateway,
    routes: [gateway],
    onAgentEnrolled: (listener) => gateway.onAgentEnrolled(listener),
    async stop() {
      await gateway.close();
      await service.stop();
    },
  };
}
