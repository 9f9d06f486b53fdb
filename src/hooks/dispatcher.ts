import type { Logger } from '../log.js';
import { ALLOW, type ConnectCommand, type GateControl, type GateSink, type GateVerdict, type HlsSegmentEvent, type HlsSegmentOpenEvent, type HookPort, type NotifySink, type RelayEvent, type ServerEvent, type SessionEvent, type SessionEventType } from './events.js';

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

  /**
   * Runs the gate sinks in order; resolves (never rejects) with the first
   * denial or ALLOW. An allow's control is merged (a later gate's field wins)
   * and a rename is shown to the gates after it: they judge the stream the
   * client will get.
   */
  async gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict> {
    if (!GATED.has(event.type)) return ALLOW;
    let control: GateControl | undefined;
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
      if (verdict.control !== undefined) {
        control = { ...control, ...verdict.control };
        if (verdict.control.stream !== undefined) event = renamed(event, verdict.control.stream);
      }
    }
    return control === undefined ? ALLOW : { allow: true, control };
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

/**
 * The optional stream- and server-scope deliveries (segment open, connect
 * command, server events, relay events): each goes to the sinks that define
 * the method, a throw is logged and never reaches the caller.
 */
export class OptionalDeliveries {
  constructor(
    private readonly notifiers: readonly NotifySink[],
    private readonly logger: Logger,
  ) {}

  segmentOpen(event: HlsSegmentOpenEvent): void {
    for (const sink of this.notifiers) this.guard(sink, event.type, () => sink.segmentOpen?.(event));
  }

  connectCommand(event: SessionEvent, command?: ConnectCommand): void {
    for (const sink of this.notifiers) this.guard(sink, 'connect_command', () => sink.connectCommand?.(event, command));
  }

  server(event: ServerEvent): void {
    for (const sink of this.notifiers) this.guard(sink, event.type, () => sink.server?.(event));
  }

  relay(event: RelayEvent): void {
    for (const sink of this.notifiers) this.guard(sink, event.type, () => sink.relay?.(event));
  }

  /** True when some sink wants a server_update at `tick`; a sink that throws is logged and counts as no. */
  wantsUpdate(tick: number): boolean {
    let wanted = false;
    for (const sink of this.notifiers) this.guard(sink, 'server_update', () => (wanted = (sink.wantsUpdate?.(tick) ?? false) || wanted));
    return wanted;
  }

  private guard(sink: NotifySink, event: string, deliver: () => unknown): void {
    try {
      deliver();
    } catch (error) {
      this.logger.error({ sink: sink.name, event, err: errorMessage(error) }, 'notify sink failed');
    }
  }
}

/** The event as it reads once the stream is renamed (streamUrl ends with the stream name, but for an HLS viewer's `.m3u8`). */
function renamed(event: SessionEvent, stream: string): SessionEvent {
  const { streamUrl } = event;
  const url = streamUrl.endsWith(`/${event.stream}`) ? `${streamUrl.slice(0, streamUrl.length - event.stream.length)}${stream}` : streamUrl;
  return { ...event, stream, streamUrl: url };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
