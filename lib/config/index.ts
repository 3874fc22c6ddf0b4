import 'server-only';
import { z } from 'zod';

/**
 * The one place that reads the environment. Every module asks `getConfig()`; nothing else
 * touches `process.env`, so a setting is validated once and documented once (README).
 * Read at request time, never at build time, so one build runs on Vercel, Azure or locally.
 */

const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

const envSchema = z.object({
  AZURE_RESOURCE_NAME: optionalText.pipe(
    z
      .string()
      .regex(/^[a-zA-Z0-9-]+$/, 'must be a single DNS label (letters, digits, hyphens)')
      .optional(),
  ),
  AZURE_BASE_URL: optionalText.pipe(z.url('must be an absolute http(s) URL').optional()),
  AZURE_API_KEY: optionalText,
  AZURE_API_VERSION: optionalText,
  AZURE_DEPLOYMENTS: commaList,
  AZURE_API: z.enum(['responses', 'chat']).default('responses'),
  SYSTEM_PROMPT: z.string().default('You are a helpful assistant. Answer in Markdown.'),
  // System messages from OpenAI-style and tutorial clients: sent after SYSTEM_PROMPT, or refused.
  CLIENT_SYSTEM_MESSAGES: z.enum(['accept', 'refuse']).default('accept'),
  MAX_OUTPUT_TOKENS: positiveInt(4096),
  DEMO_TOKENS_PER_SECOND: z.coerce.number().positive().default(40),
  UPSTREAM_TIMEOUT_MS: positiveInt(30_000),
  MAX_BODY_BYTES: positiveInt(1_000_000),
  MAX_MESSAGES: positiveInt(200),
  MAX_MESSAGE_CHARS: positiveInt(32_000),
  RATE_LIMIT_PER_MINUTE: nonNegativeInt(20),
  // Longest a streamed text delta may be held to merge it with the next ones (0 = off).
  // 33 ms ≈ 30 updates/s, what a reader can see; `npm run bench` is what tunes it.
  STREAM_COALESCE_MS: nonNegativeInt(33),
  // How far that window may widen while the server is saturated (lib/chat/coalesce-window.ts);
  // set it to STREAM_COALESCE_MS for a fixed window. `npm run bench` is what tunes it.
  STREAM_COALESCE_MAX_MS: nonNegativeInt(150),
  // An SSE comment goes out after this long without output, so proxies that cut idle
  // connections (nginx 60 s, App Service ~230 s) keep a slow-thinking reply open.
  STREAM_HEARTBEAT_MS: positiveInt(15_000),
  // On SIGTERM, how long replies in flight may take to finish before they are ended.
  SHUTDOWN_GRACE_MS: nonNegativeInt(25_000),
  REDIS_URL: optionalText,
  CHAT_API_KEYS: commaList,
  ALLOWED_ORIGINS: commaList,
  SESSION_SECRET: optionalText,
  // How many reverse proxies of the operator's own stand in front of the server. The server
  // entry appends each connection's socket address to X-Forwarded-For, as any proxy does, so the
  // client is the entry this many places from the right; 0 means the socket itself.
  TRUSTED_PROXY_HOPS: nonNegativeInt(0),
  // How the server signs in to Azure OpenAI: `key` (AZURE_API_KEY) or `entra` (Microsoft Entra ID
  // tokens from a managed or workload identity). Default: `key` when a key is set, else `entra`.
  AZURE_AUTH: optionalText.pipe(z.enum(['key', 'entra']).optional()),
  // The identity settings @azure/identity reads itself; read here too so /api/health can say
  // which identity is in use and a change rebuilds the credential.
  AZURE_CLIENT_ID: optionalText,
  AZURE_TENANT_ID: optionalText,
  AZURE_FEDERATED_TOKEN_FILE: optionalText,
  AZURE_AUTHORITY_HOST: optionalText.pipe(z.url('must be an absolute https URL').optional()),
  IDENTITY_ENDPOINT: optionalText,
  // Set by Vercel on its builds and functions ("1"): there, a client id can only mean OIDC federation.
  VERCEL: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Set by `next dev`: logs are made human-readable there only.
  NODE_ENV: optionalText,
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(z.url('must be an absolute http(s) URL').optional()),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText,
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('azure-streaming-chat'),
  // `true`/`false` forces the session cookie's Secure flag; unset, it follows the deployment
  // (lib/http/session-cookie.ts).
  COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  // Resume and Stop have their own, larger budget: a page resumes on every reload.
  RESUME_RATE_LIMIT_PER_MINUTE: nonNegativeInt(120),
  // Replies one client may have generating at once (per instance; 0 = no cap).
  MAX_REPLIES_IN_FLIGHT: nonNegativeInt(4),
  // Readers one chat's live reply may have at once (per instance).
  MAX_RESUMES_PER_CHAT: positiveInt(3),
  // A conversation reply nobody has read for this long is cancelled upstream (0 = never).
  ABANDONED_REPLY_MS: nonNegativeInt(20_000),
  // Total bytes of finished replies this process keeps for resumption (without Redis).
  REPLY_STORE_MAX_BYTES: positiveInt(64_000_000),
});

export type AzureApiStyle = 'responses' | 'chat';

/**
 * How the server proves itself to Azure OpenAI. `entra` names the @azure/identity credential:
 * `workload` (a federated token file: AKS), `vercel` (Vercel's OIDC token, federated with an app
 * registration or managed identity: see `vercelOidcToken`), `managed` (a user-assigned managed
 * identity named by AZURE_CLIENT_ID) or `default` (DefaultAzureCredential's chain).
 */
export type AzureAuth =
  | { mode: 'key'; apiKey: string }
  | {
      mode: 'entra';
      credential: 'workload' | 'vercel' | 'managed' | 'default';
      clientId?: string;
      tenantId?: string;
      tokenFile?: string;
      authorityHost?: string;
    };

export interface AzureSettings {
  resourceName?: string;
  baseURL?: string;
  auth: AzureAuth;
  apiVersion?: string;
}

export interface ObservabilitySettings {
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Human-readable log lines (next dev) instead of one JSON object a line. */
  prettyLogs: boolean;
  /** OTLP/HTTP collector base URL (traces go to `${url}/v1/traces`). */
  otlpEndpoint?: string;
  /** Azure Monitor (Application Insights) connection string: a secret-ish value, never logged. */
  appInsightsConnectionString?: string;
  serviceName: string;
}

export interface AppConfig {
  /** `demo`: the offline model; `azure`: Azure OpenAI; `misconfigured`: Azure half set up. */
  mode: 'demo' | 'azure' | 'misconfigured';
  /** Human-readable reasons the configuration is unusable (never contains a secret). */
  problems: string[];
  azure?: AzureSettings;
  api: AzureApiStyle;
  /** Allow-list of model names a request may ask for; the first is the default. */
  deployments: string[];
  systemPrompt: string;
  /** Whether the OpenAI-compatible and tutorial endpoints accept clients' system messages (`/api/chat` never does). */
  clientSystemMessages: 'accept' | 'refuse';
  maxOutputTokens: number;
  demoTokensPerSecond: number;
  upstreamTimeoutMs: number;
  limits: { maxBodyBytes: number; maxMessages: number; maxMessageChars: number };
  rateLimitPerMinute: number;
  /** Window for merging consecutive text deltas on the server, in ms (0 = off)… */
  streamCoalesceMs: number;
  /** …and how far it may widen under load (ms). */
  streamCoalesceMaxMs: number;
  /** Longest silence on an SSE stream before a heartbeat comment (ms). */
  streamHeartbeatMs: number;
  /** After SIGTERM, how long replies in flight may still run (ms). */
  shutdownGraceMs: number;
  redisUrl?: string;
  chatApiKeys: string[];
  allowedOrigins: string[];
  sessionSecret?: string;
  /** Reverse proxies of one's own in front of the server (X-Forwarded-For entries to skip from the right). */
  trustedProxyHops: number;
  observability: ObservabilitySettings;
  /** The session cookie's Secure flag: forced on/off, or `undefined` to follow the deployment. */
  cookieSecure?: boolean;
  resumeRateLimitPerMinute: number;
  maxRepliesInFlight: number;
  maxResumesPerChat: number;
  abandonedReplyMs: number;
  replyStoreMaxBytes: number;
}

/** The model name the offline demo answers to. */
export const DEMO_MODEL_ID = 'offline-demo';

type Env = Record<string, string | undefined>;

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
}

/**
 * Vercel's OIDC token (`VERCEL_OIDC_TOKEN`) shapes the config only by being there or not: the
 * token itself is read when Entra ID is asked for a token (`vercelOidcToken`), never kept.
 */
const VERCEL_OIDC_TOKEN = 'VERCEL_OIDC_TOKEN';
const hasVercelOidcToken = (env: Env) => Boolean(env[VERCEL_OIDC_TOKEN]?.trim());

/** Pure: turns an environment into a config. Exported for tests; the app uses `getConfig()`. */
export function loadConfig(env: Env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // A bad optional value must not take the site down: fall back to defaults and report it.
    const fallback = envSchema.parse({});
    return { ...toConfig(fallback, false), mode: 'misconfigured', problems: describeIssues(parsed.error) };
  }
  return toConfig(parsed.data, hasVercelOidcToken(env));
}

/**
 * Vercel has no managed identity, so a client id there (or beside a Vercel OIDC token) is meant
 * for OIDC federation; say what it lacks rather than fail later as a managed identity.
 */
function vercelFederationProblem(env: z.infer<typeof envSchema>, vercelOidc: boolean): string | undefined {
  if (!env.AZURE_CLIENT_ID || env.AZURE_FEDERATED_TOKEN_FILE || !(env.VERCEL || vercelOidc)) return undefined;
  if (!vercelOidc) {
    return 'VERCEL_OIDC_TOKEN is not set: on Vercel, signing in without a key needs OIDC Federation turned on for the project (or set AZURE_API_KEY).';
  }
  if (!env.AZURE_TENANT_ID) {
    return 'AZURE_TENANT_ID is not set: Vercel OIDC federation needs the tenant of the app registration or identity named by AZURE_CLIENT_ID.';
  }
  return undefined;
}

function configProblems(env: z.infer<typeof envSchema>, authMode: 'key' | 'entra', vercelOidc: boolean): string[] {
  const wantsAzure = Boolean(env.AZURE_RESOURCE_NAME || env.AZURE_BASE_URL);
  const problems: string[] = [];
  if (wantsAzure && authMode === 'key' && !env.AZURE_API_KEY) {
    problems.push('AZURE_API_KEY is not set: AZURE_AUTH=key needs the key of the resource.');
  }
  const federation = wantsAzure && authMode === 'entra' ? vercelFederationProblem(env, vercelOidc) : undefined;
  if (federation) problems.push(federation);
  if (wantsAzure && env.AZURE_DEPLOYMENTS.length === 0) {
    problems.push('AZURE_DEPLOYMENTS is not set: list at least one deployment name (comma-separated).');
  }
  if (!wantsAzure && (env.AZURE_API_KEY || env.AZURE_DEPLOYMENTS.length > 0)) {
    problems.push('AZURE_RESOURCE_NAME or AZURE_BASE_URL is not set: Azure settings were given without an endpoint.');
  }
  return problems;
}

function toConfig(env: z.infer<typeof envSchema>, vercelOidc: boolean): AppConfig {
  const wantsAzure = Boolean(env.AZURE_RESOURCE_NAME || env.AZURE_BASE_URL);
  const authMode = env.AZURE_AUTH ?? (env.AZURE_API_KEY ? 'key' : 'entra');
  const problems = configProblems(env, authMode, vercelOidc);
  const mode: AppConfig['mode'] = problems.length > 0 ? 'misconfigured' : wantsAzure ? 'azure' : 'demo';
  return {
    mode,
    problems,
    azure:
      mode === 'azure'
        ? {
            resourceName: env.AZURE_BASE_URL ? undefined : env.AZURE_RESOURCE_NAME,
            baseURL: env.AZURE_BASE_URL,
            auth: azureAuth(authMode, env, vercelOidc),
            apiVersion: env.AZURE_API_VERSION,
          }
        : undefined,
    api: env.AZURE_API,
    deployments: mode === 'azure' ? env.AZURE_DEPLOYMENTS : [DEMO_MODEL_ID],
    systemPrompt: env.SYSTEM_PROMPT,
    clientSystemMessages: env.CLIENT_SYSTEM_MESSAGES,
    maxOutputTokens: env.MAX_OUTPUT_TOKENS,
    demoTokensPerSecond: env.DEMO_TOKENS_PER_SECOND,
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    limits: {
      maxBodyBytes: env.MAX_BODY_BYTES,
      maxMessages: env.MAX_MESSAGES,
      maxMessageChars: env.MAX_MESSAGE_CHARS,
    },
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    streamCoalesceMs: env.STREAM_COALESCE_MS,
    streamCoalesceMaxMs: env.STREAM_COALESCE_MAX_MS,
    streamHeartbeatMs: env.STREAM_HEARTBEAT_MS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    redisUrl: env.REDIS_URL,
    chatApiKeys: env.CHAT_API_KEYS,
    allowedOrigins: env.ALLOWED_ORIGINS,
    sessionSecret: env.SESSION_SECRET,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
    cookieSecure: env.COOKIE_SECURE === undefined ? undefined : env.COOKIE_SECURE === 'true',
    resumeRateLimitPerMinute: env.RESUME_RATE_LIMIT_PER_MINUTE,
    maxRepliesInFlight: env.MAX_REPLIES_IN_FLIGHT,
    maxResumesPerChat: env.MAX_RESUMES_PER_CHAT,
    abandonedReplyMs: env.ABANDONED_REPLY_MS,
    replyStoreMaxBytes: env.REPLY_STORE_MAX_BYTES,
    observability: {
      logLevel: env.LOG_LEVEL,
      prettyLogs: env.NODE_ENV === 'development',
      otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
      appInsightsConnectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING,
      serviceName: env.OTEL_SERVICE_NAME,
    },
  };
}

function entraCredential(env: z.infer<typeof envSchema>, vercelOidc: boolean): Extract<AzureAuth, { mode: 'entra' }>['credential'] {
  if (env.AZURE_FEDERATED_TOKEN_FILE) return 'workload';
  // Vercel has no managed identity: there, a client id means the app federated with its OIDC token.
  if (vercelOidc && env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID) return 'vercel';
  return env.AZURE_CLIENT_ID ? 'managed' : 'default';
}

function azureAuth(mode: 'key' | 'entra', env: z.infer<typeof envSchema>, vercelOidc: boolean): AzureAuth {
  if (mode === 'key') return { mode, apiKey: env.AZURE_API_KEY! };
  const credential = entraCredential(env, vercelOidc);
  return {
    mode,
    credential,
    clientId: env.AZURE_CLIENT_ID,
    tenantId: env.AZURE_TENANT_ID,
    tokenFile: env.AZURE_FEDERATED_TOKEN_FILE,
    authorityHost: env.AZURE_AUTHORITY_HOST,
  };
}

const envKeys = Object.keys(envSchema.shape);
let cached: { key: string; config: AppConfig } | undefined;

const configListeners: Array<(config: AppConfig) => void> = [];

/**
 * Calls `listener` with each newly loaded config (the logger reports problems this way, so this
 * module does not depend on the logger that depends on it).
 */
export function onConfigLoaded(listener: (config: AppConfig) => void): void {
  configListeners.push(listener);
}

/** The current config. Re-validated only when a relevant variable changed. */
export function getConfig(): AppConfig {
  const key = [...envKeys.map((name) => process.env[name] ?? ''), hasVercelOidcToken(process.env)].join('\u0000');
  if (cached?.key !== key) {
    const config = loadConfig(process.env);
    cached = { key, config };
    for (const listener of configListeners) listener(config);
  }
  return cached.config;
}

/**
 * Vercel's OIDC token as it is now, for the Entra ID token exchange; `undefined` when unset.
 * Read at each exchange rather than taken into the config: the token expires (hours, not the
 * life of an instance) and Vercel replaces it in the environment, so a copy kept from start-up
 * would go stale and Entra ID would refuse it. Keeping its value out of the config's cache key
 * also means a refreshed token does not rebuild the provider and throw away the cached Entra
 * token. Never log or return it.
 */
export function vercelOidcToken(): string | undefined {
  return process.env[VERCEL_OIDC_TOKEN]?.trim() || undefined;
}

/** What the browser and `/api/health` may know: no keys, no URLs, no secrets. */
export interface PublicConfig {
  mode: AppConfig['mode'];
  api: AzureApiStyle;
  deployments: string[];
  defaultDeployment: string;
  problems: string[];
}

export function getPublicConfig(config: AppConfig = getConfig()): PublicConfig {
  return {
    mode: config.mode,
    api: config.api,
    deployments: config.deployments,
    defaultDeployment: config.deployments[0] ?? DEMO_MODEL_ID,
    problems: config.problems,
  };
}

const CREDENTIAL_NAMES = {
  workload: 'workload identity',
  vercel: 'Vercel OIDC',
  managed: 'managed identity',
  default: 'DefaultAzureCredential',
};

/** How the server signs in to Azure, for /api/health: `key`, `entra (managed identity)`, …; `none` for the demo. */
export function describeAuth(config: AppConfig = getConfig()): string {
  const auth = config.azure?.auth;
  if (!auth) return 'none';
  return auth.mode === 'key' ? 'key' : `entra (${CREDENTIAL_NAMES[auth.credential]})`;
}
