import type { Logger } from '../log.js';
import { ALLOW, type GateSink, type GateVerdict, type HlsSegmentEvent, type HookPort, type NotifySink, type SessionEvent, type SessionEventType } from './events.js';

/**
 * Gate vs notify (DESIGN.md "One event model, many sinks"): a gated event
 * runs every gate sink in order and the first denial wins; every event goes
 * to every notify sink, which returns at once. A misbehaving sink (throws,
 * rejects) denies the gate it was asked about and is logged; it never takes
 * the session down.
 */

const GATED: ReadonlySet<SessionEventType> = new Set(['connect', 'publish', 'play']);

/** Fans one event out to the sinks. */
export class HookDispatcher implements HookPort {
  constructor(
    private readonly gates: readonly GateSink[],
    private readonly notifiers: readonly NotifySink[],
    private readonly logger: Logger,
  ) {}

  wantsGate(event: SessionEvent): boolean {
    if (!GATED.has(event.type)) return false;
    for (const sink of this.gates) {
      try {
        if (sink.wantsGate?.(event) ?? true) return true;
      } catch {
        // A sink that cannot say is asked: its gate then denies and is logged.
        return true;
      }
    }
    return false;
  }

  /** Runs the gate sinks in order; resolves (never rejects) with the first denial or ALLOW. */
  async gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict> {
    if (!GATED.has(event.type)) return ALLOW;
    for (const sink of this.gates) {
      if (signal.aborted) return { allow: false, hook: sink.name, reason: `${sink.name} aborted: session closed` };
      let verdict: GateVerdict;
      try {
        verdict = await sink.gate(event, signal);
      } catch (error) {
        this.logger.error({ sink: sink.name, event: event.type, client_id: event.clientId, err: errorMessage(error) }, 'gate sink failed');
        verdict = { allow: false, hook: sink.name, reason: `${sink.name} failed` };
      }
      if (!verdict.allow) return verdict;
    }
    return ALLOW;
  }

  /** Hands the event to every notify sink; never blocks, never throws. */
  notify(event: SessionEvent): void {
    for (const sink of this.notifiers) {
      try {
        sink.notify(event);
      } catch (error) {
        this.logger.error({ sink: sink.name, event: event.type, client_id: event.clientId, err: errorMessage(error) }, 'notify sink failed');
      }
    }
  }

  /** A segment event to every notify sink that takes them; never blocks, never throws. */
  segment(event: HlsSegmentEvent): void {
    for (const sink of this.notifiers) {
      try {
        sink.segment?.(event);
      } catch (error) {
        this.logger.error({ sink: sink.name, event: event.type, client_id: event.publisher.clientId, err: errorMessage(error) }, 'notify sink failed');
      }
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
