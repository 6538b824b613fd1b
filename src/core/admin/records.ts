/**
 * The JSON form of what the admin flows return, shared by `latchkey user --json` and the
 * /api/v1/admin routes so a script sees the same fields from both: camelCase, times as ISO 8601
 * UTC strings or null, never a password hash or an outbox message's data.
 */
import type { QueuedMail } from './ports.js';
import type { AdminUser, AdminUserDetail } from './users.js';
import { isoTime } from '../time.js';


/** An account as JSON. */
export interface UserRecord {
  id: string;
  username: string | null;
  email: string | null;
  status: string;
  hasPassword: boolean;
  emailVerifiedAt: string | null;
  createdAt: string;
  updatedAt: string;
  locale: string | null;
}

/** An account with its live session count and last login, as JSON. */
export interface UserDetailRecord extends UserRecord {
  liveSessions: number;
  lastLoginAt: string | null;
}

/** An outbox message as JSON (the fields of `latchkey outbox --json`). */
export interface MailRecord {
  id: string;
  template: string;
  recipient: string;
  status: string;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
  lastError: string | null;
}

/** The JSON form of an account. */
export function userRecord(user: AdminUser): UserRecord {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    status: user.status,
    hasPassword: user.hasPassword,
    emailVerifiedAt: isoTime(user.emailVerifiedAt),
    createdAt: isoTime(user.createdAt) as string,
    updatedAt: isoTime(user.updatedAt) as string,
    locale: user.locale,
  };
}

/** The JSON form of an account's details. */
export function userDetailRecord(user: AdminUserDetail): UserDetailRecord {
  return { ...userRecord(user), liveSessions: user.liveSessions, lastLoginAt: isoTime(user.lastLoginAt) };
}

/** The JSON form of an outbox message. */
export function mailRecord(mail: QueuedMail): MailRecord {
  return {
    id: mail.id,
    template: mail.template,
    recipient: mail.recipient,
    status: mail.status,
    attempts: mail.attempts,
    createdAt: isoTime(mail.createdAt) as string,
    nextAttemptAt: isoTime(mail.nextAttemptAt),
    sentAt: isoTime(mail.sentAt),
    lastError: mail.lastError,
  };
}
