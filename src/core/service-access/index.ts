/**
 * Service access (docs/decisions.md, "Service access and introspection"): what back-end services may ask of Latchkey, beside the accounts
 * service rather than inside it. A service authenticates with its own key (never a user's
 * credential), is rate-limited per key, and learns only whose a credential is. Every lookup and
 * every refusal is an audit event (`service_lookup`, `rate_limited`), and so is every key created
 * or revoked (`service_key_add`, `service_key_revoke`).
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { checkKeyWithinBudget } from '../credentials/key-guesses.js';
import { AuthError } from '../errors.js';
import type { ServiceKey, ServiceKeyStore } from './ports.js';
import { introspectCredential, type Introspection, type IntrospectionSubject } from './introspect.js';
import { addServiceKey, countServiceRequest, findServiceKey, listServiceKeys, revokeServiceKey, type NewServiceKey } from './service-keys.js';

/** The core's dependencies plus the service key store. */
export type ServiceAccessDeps = CoreDeps & { serviceKeys: ServiceKeyStore };

export interface ServiceAccess {
  /** Creates a key for a service; the returned credential is the only copy. */
  addServiceKey(name: string, options?: { rateLimit?: number }): Promise<NewServiceKey>;
  /** Every key, revoked ones too, newest first. */
  listServiceKeys(): Promise<ServiceKey[]>;
  /** Revokes the live key with this name, or the key with this id; NOT_FOUND otherwise. */
  revokeServiceKey(nameOrId: string): Promise<ServiceKey>;
  /**
   * The live key for a presented credential, counted against its rate limit. NOT_AUTHENTICATED
   * for no, a malformed, unknown or revoked key (a user's token included); THROTTLED past the limit.
   */
  authenticateService(presented: string | null, ctx?: ClientContext): Promise<ServiceKey>;
  /** Whether a user's session, access token or refresh token is live, and whose it is. */
  introspect(service: ServiceKey, subject: IntrospectionSubject, ctx?: ClientContext): Promise<Introspection>;
}

/** Binds the service flows to their dependencies. */
export function createServiceAccess(deps: ServiceAccessDeps): ServiceAccess {
  return {
    addServiceKey: (name, options) => addServiceKey(deps, name, options),
    listServiceKeys: () => listServiceKeys(deps),
    revokeServiceKey: (nameOrId) => revokeServiceKey(deps, nameOrId),

    async authenticateService(presented, ctx) {
      // Wrong keys spend the address's budget (key-guesses.ts); past it, 429 before any lookup.
      const key = await checkKeyWithinBudget(
        deps,
        'service_key',
        ctx,
        () => (presented === null ? null : findServiceKey(deps, presented)),
        () => ({
          event: { type: 'service_lookup', outcome: 'rejected', ctx, detail: { reason: presented === null ? 'no_key' : 'invalid_key' } },
          error: new AuthError('NOT_AUTHENTICATED', 'send a service key as Authorization: Bearer lks_...'),
        }),
      );
      try {
        await countServiceRequest(deps, key);
      } catch (err) {
        await deps.audit.note({ type: 'rate_limited', outcome: 'rejected', ctx, detail: { service: key.name, serviceKeyId: key.id } });
        throw err;
      }
      return key;
    },

    async introspect(service, subject, ctx) {
      const { result, kind } = await introspectCredential(deps, subject);
      await deps.audit.note({
        type: 'service_lookup',
        outcome: result.active ? 'success' : 'failure',
        accountId: result.active ? result.uuid : null,
        ctx,
        detail: { service: service.name, serviceKeyId: service.id, credential: kind, active: result.active },
      });
      return result;
    },
  };
}

export type { Introspection, IntrospectionSubject } from './introspect.js';
export type { NewServiceKey } from './service-keys.js';
