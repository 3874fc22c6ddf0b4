import 'server-only';
import {
  ClientAssertionCredential,
  DefaultAzureCredential,
  getBearerTokenProvider,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { type AzureAuth, vercelOidcToken } from '@/lib/config';

/**
 * Keyless sign-in to Azure OpenAI with Microsoft Entra ID. The credential is chosen from the
 * settings (a federated token file → workload identity; Vercel's OIDC token with AZURE_TENANT_ID
 * and AZURE_CLIENT_ID → a client assertion; AZURE_CLIENT_ID → that user-assigned managed
 * identity; otherwise DefaultAzureCredential's chain), and `getBearerTokenProvider`
 * caches its token and refreshes it in the background before it expires, so a chat normally
 * waits for no token request at all.
 */

const SCOPE = 'https://cognitiveservices.azure.com/.default';

type EntraAuth = Extract<AzureAuth, { mode: 'entra' }>;

/** A token could not be had. Its message says what is missing and carries no token or stack. */
export class AzureIdentityError extends Error {
  constructor(
    message: string,
    /** The library's own reason, for the log line only (never sent to clients). */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'AzureIdentityError';
  }
}

/** Vercel's current OIDC token, asked for at each exchange (Vercel replaces it as it expires). */
async function currentVercelOidcToken(): Promise<string> {
  const token = vercelOidcToken();
  if (!token) throw new Error('VERCEL_OIDC_TOKEN is no longer set.');
  return token;
}

function createCredential(auth: EntraAuth): TokenCredential {
  const authority = {
    authorityHost: auth.authorityHost,
    // A custom authority (a sovereign or private cloud) is used as given: asking the public
    // cloud's discovery endpoint about it would fail where that endpoint is unreachable.
    disableInstanceDiscovery: auth.authorityHost !== undefined,
  };
  if (auth.credential === 'workload') {
    return new WorkloadIdentityCredential({ tenantId: auth.tenantId, clientId: auth.clientId, tokenFilePath: auth.tokenFile, ...authority });
  }
  if (auth.credential === 'vercel') {
    return new ClientAssertionCredential(auth.tenantId!, auth.clientId!, currentVercelOidcToken, authority);
  }
  if (auth.credential === 'managed') return new ManagedIdentityCredential({ clientId: auth.clientId! });
  return new DefaultAzureCredential();
}

const WHAT_IS_NEEDED: Record<EntraAuth['credential'], string> = {
  workload:
    'the workload identity (AZURE_TENANT_ID, AZURE_CLIENT_ID and the token file AZURE_FEDERATED_TOKEN_FILE, federated with that app registration)',
  vercel:
    "Vercel OIDC federation (AZURE_TENANT_ID, AZURE_CLIENT_ID, and a federated credential on that app registration or managed identity trusting Vercel's issuer, subject and audience for this project and environment)",
  managed:
    'the user-assigned managed identity named by AZURE_CLIENT_ID (assigned to this app, with IDENTITY_ENDPOINT and IDENTITY_HEADER set by the platform)',
  default:
    'an Azure identity: a managed identity (IDENTITY_ENDPOINT/IDENTITY_HEADER), a workload identity (AZURE_FEDERATED_TOKEN_FILE), AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET or `az login`; or set AZURE_API_KEY',
};

/** First line of the library's own explanation, shortened, with anything token-like removed. */
function identityFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')[0]
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]')
    .replace(/(bearer|access_token"?:?)\s*"?[\w.-]{16,}/gi, '$1 [token]')
    .slice(0, 300);
}

/** `@ai-sdk/azure`'s tokenProvider for these settings; failures become an AzureIdentityError. */
export function entraTokenProvider(auth: EntraAuth): () => Promise<string> {
  const getToken = getBearerTokenProvider(createCredential(auth), SCOPE);
  return async () => {
    try {
      return await getToken();
    } catch (error) {
      throw new AzureIdentityError(
        `The server could not get a Microsoft Entra ID token for Azure OpenAI: check ${WHAT_IS_NEEDED[auth.credential]}.`,
        identityFailureReason(error),
      );
    }
  };
}
