/**
 * The BMC simulator's accounts, roles and sessions (DMTF AccountService and
 * SessionService): Redfish's three predefined roles with their privileges
 * (DSP0266 "Privilege model"), login sessions with X-Auth-Token tokens and an
 * idle timeout, and HTTP Basic authentication against the same accounts.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export type Privilege =
  'Login' | 'ConfigureManager' | 'ConfigureUsers' | 'ConfigureComponents' | 'ConfigureSelf';
export const ROLES = {
  Administrator: ['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureComponents', 'ConfigureSelf'],
  Operator: ['Login', 'ConfigureComponents', 'ConfigureSelf'],
  ReadOnly: ['Login', 'ConfigureSelf'],
} as const satisfies Record<string, readonly Privilege[]>;
export type RoleId = keyof typeof ROLES;

export function isRoleId(v: unknown): v is RoleId {
  return typeof v === 'string' && Object.hasOwn(ROLES, v);
}

export interface Account {
  id: string;
  userName: string;
  password: string;
  roleId: RoleId;
  enabled: boolean;
  locked: boolean;
  passwordChangeRequired: boolean;
}

export interface Session {
  id: string;
  token: string;
  userName: string;
  created: string;
  lastUsed: number;
}

/** Who a request was authenticated as, and how. */
export interface Caller {
  account: Account;
  session?: Session;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AccountStore {
  readonly accounts = new Map<string, Account>();
  readonly sessions = new Map<string, Session>();
  sessionTimeoutSeconds = 3600;
  private nextSession = 1;

  constructor(username: string, password: string) {
    this.add({ userName: username, password, roleId: 'Administrator' });
  }

  add(a: { userName: string; password: string; roleId: RoleId; enabled?: boolean }): Account {
    const account: Account = {
      id: a.userName,
      userName: a.userName,
      password: a.password,
      roleId: a.roleId,
      enabled: a.enabled ?? true,
      locked: false,
      passwordChangeRequired: false,
    };
    this.accounts.set(account.id, account);
    return account;
  }

  /** The account these credentials name, if they are right and the account may log in. */
  check(userName: unknown, password: unknown): Account | undefined {
    if (typeof userName !== 'string' || typeof password !== 'string') return undefined;
    const a = [...this.accounts.values()].find((x) => x.userName === userName);
    if (!a || !a.enabled || a.locked || !sameSecret(a.password, password)) return undefined;
    return a;
  }

  login(account: Account): Session {
    const s: Session = {
      // Session ids are not guessable from one another (bmcweb makes random ones).
      id: `${this.nextSession++}${randomBytes(4).toString('hex')}`,
      token: randomBytes(24).toString('base64url'),
      userName: account.userName,
      created: new Date().toISOString(),
      lastUsed: Date.now(),
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The session a token belongs to (refreshing its idle timer), if it is live. */
  byToken(token: string): Session | undefined {
    for (const s of this.sessions.values()) {
      if (!sameSecret(s.token, token)) continue;
      if (Date.now() - s.lastUsed > this.sessionTimeoutSeconds * 1000) {
        this.sessions.delete(s.id);
        return undefined;
      }
      s.lastUsed = Date.now();
      return s;
    }
    return undefined;
  }

  accountOf(s: Session): Account | undefined {
    return [...this.accounts.values()].find((a) => a.userName === s.userName);
  }

  /** Deleting an account ends its sessions. */
  remove(id: string): void {
    const a = this.accounts.get(id);
    this.accounts.delete(id);
    if (a) for (const [sid, s] of this.sessions) if (s.userName === a.userName) this.sessions.delete(sid);
  }

  uuid(): string {
    return randomUUID();
  }
}

export function can(caller: Caller, p: Privilege): boolean {
  return (ROLES[caller.account.roleId] as readonly Privilege[]).includes(p);
}
