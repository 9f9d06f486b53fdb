/** A HookPort for lifecycle tests: records notified events and answers each gate as a test says. */
import { ALLOW, type GateVerdict, type HookPort, type SessionEvent } from '../../../src/hooks/events.js';

export type GateAnswer = (event: SessionEvent, signal: AbortSignal) => Promise<GateVerdict>;

export class FakeHooks implements HookPort {
  readonly events: SessionEvent[] = [];
  readonly asked: SessionEvent[] = [];
  readonly signals: AbortSignal[] = [];
  answer: GateAnswer = () => Promise.resolve(ALLOW);

  wantsGate(): boolean {
    return true;
  }

  gate(event: SessionEvent, signal: AbortSignal): Promise<GateVerdict> {
    this.asked.push(event);
    this.signals.push(signal);
    return this.answer(event, signal);
  }

  notify(event: SessionEvent): void {
    this.events.push(event);
  }

  /** Event types of one client, in order. */
  typesOf(client: { id: string }): string[] {
    return this.events.filter((event) => event.clientId === client.id).map((event) => event.type);
  }

  /** Gate types asked for one client, in order. */
  askedOf(client: { id: string }): string[] {
    return this.asked.filter((event) => event.clientId === client.id).map((event) => event.type);
  }
}

export const deny = (reason: string): GateVerdict => ({ allow: false, hook: 'on_test', reason });

/** Denies gates of `type`, allows the others. */
export const denyAt =
  (type: string, reason: string): GateAnswer =>
  (event) =>
    Promise.resolve(event.type === type ? deny(reason) : ALLOW);

/** Hangs at gates of `type` until the signal aborts, then allows (the worst a late gate could answer). */
export const hangAt =
  (type: string): GateAnswer =>
  (event, signal) =>
    event.type === type ? new Promise((resolve) => signal.addEventListener('abort', () => resolve(ALLOW), { once: true })) : Promise.resolve(ALLOW);

/** Gates that wait for the test: each asked gate is queued with its resolver. */
export function heldGates(): { answer: GateAnswer; held: Array<{ event: SessionEvent; resolve: (verdict: GateVerdict) => void }> } {
  const held: Array<{ event: SessionEvent; resolve: (verdict: GateVerdict) => void }> = [];
  return { held, answer: (event) => new Promise((resolve) => held.push({ event, resolve })) };
}
