/**
 * The public library API for embedding: start a server from a config text,
 * file or object; register typed handlers on `server.handlers`; list and
 * disconnect clients with `server.clients()` / `server.getClient(id)`
 * (README "Embedding").
 */
import { App, type AppOptions } from './app.js';
import { createLogger, type Logger } from './log.js';
import type { Config } from './config/schema.js';
import { parseConfigText } from './config/parse.js';
import { buildConfig } from './config/build.js';
import { loadConfig } from './config/load.js';

export { App } from './app.js';
export type { Config, VhostConfig, HttpHooksConfig, HooksConfig } from './config/schema.js';
export type { SessionEvent, SessionEventType, GateSink, NotifySink, GateVerdict, GateControl, CloseReason, ClientProtocol, ClientType, ConnectCommand } from './hooks/events.js';
export type {
  Awaitable,
  AuthDecision,
  Authorizer,
  CacheInterceptor,
  ClientControl,
  ClientHandle,
  ConnectionHandler,
  HandlerContext,
  Handlers,
  MediaInfo,
  MediaInterceptor,
  MediaVerdict,
  RegisterOptions,
  StreamHandler,
  StreamRef,
} from './hooks/handlers/types.js';
export { HandlerError } from './hooks/handlers/handler-call.js';
export type { MediaKind } from './media/packet.js';
export { RtmpClient } from './relay/rtmp-client.js';
/** For Node receivers of signed callbacks (README "Signed callbacks"): `verifyHookRequest(secret, req.headers, rawBody)`. */
export { verifyHookRequest, verifyHookSignature, computeHookSignature, HOOK_HEADERS, SIGNATURE_TOLERANCE_SEC } from './hooks/signature.js';
export type { SignatureCheck, SignatureInput, SignatureRejection } from './hooks/signature.js';

export interface StartServerOptions {
  /** One of: config text (nginx-like SRS syntax), a file path, or a built Config. */
  configText?: string;
  configFile?: string;
  config?: Config;
  /** Defaults to a pino logger at `warn` on stderr. */
  logger?: Logger;
  /** Untyped gate/notify sinks (kept for compatibility); the typed API is `server.handlers` after start. */
  handlers?: AppOptions['handlers'];
  /** Per typed handler call, ms (default 5000). */
  handlerTimeoutMs?: number;
  /** A typed authorizer that throws or times out: `deny` (default) or `allow`. */
  onAuthorizerFailure?: 'deny' | 'allow';
  stdout?: AppOptions['stdout'];
  rtmp?: AppOptions['rtmp'];
  http?: AppOptions['http'];
  edge?: AppOptions['edge'];
  /** Environment for SRS_* overrides; default: none (embedding should be explicit). */
  env?: NodeJS.ProcessEnv;
}

/** Builds and starts a server; `await app.stop()` to end it. */
export async function startServer(options: StartServerOptions): Promise<App> {
  const env = options.env ?? {};
  const build = (): Config => {
    if (options.config !== undefined) return options.config;
    if (options.configFile !== undefined) return loadConfig({ file: options.configFile, env }).config;
    const file = 'embedded.conf';
    return buildConfig(parseConfigText(options.configText ?? 'listen 1935; vhost __defaultVhost__ {}', file), { file, env }).config;
  };
  const logger = options.logger ?? createLogger({ level: 'warn', tank: 'console', toStderr: true });
  const app = new App({
    config: build(),
    logger,
    reloadConfig: build,
    handlers: options.handlers,
    ...(options.handlerTimeoutMs === undefined ? {} : { handlerTimeoutMs: options.handlerTimeoutMs }),
    ...(options.onAuthorizerFailure === undefined ? {} : { onAuthorizerFailure: options.onAuthorizerFailure }),
    stdout: options.stdout,
    rtmp: options.rtmp,
    http: options.http,
    edge: options.edge,
  });
  await app.start();
  return app;
}
