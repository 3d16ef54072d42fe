import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
) => Promise<Buffer>;

/** What a token may allow: `customer` books, `operator` runs the airline. */
export type Role = 'customer' | 'operator';
export const ROLES: readonly Role[] = ['customer', 'operator'];

export interface User {
  /** The token subject (`sub`), and the customer id bookings are kept under. */
  id: string;
  name: string;
  email: string;
  roles: readonly Role[];
}

/**
 * The demo users and their passwords. DEMO ONLY: the passwords are written here and in the
 * README so anyone can sign in locally; a real deployment would load users from a directory.
 */
export const DEMO_USERS: ReadonlyArray<User & { password: string }> = [
  {
    id: 'alice',
    name: 'Alice Customer',
    email: 'alice@example.com',
    roles: ['customer'],
    password: 'alice-demo-password',
  },
  {
    id: 'bob',
    name: 'Bob Customer',
    email: 'bob@example.com',
    roles: ['customer'],
    password: 'bob-demo-password',
  },
  {
    id: 'olive',
    name: 'Olive Operator',
    email: 'olive@example.com',
    roles: ['operator'],
    password: 'olive-demo-password',
  },
];

interface StoredUser extends User {
  salt: Buffer;
  hash: Buffer;
}

/**
 * The user directory: users by id with scrypt password hashes (the plain passwords are not
 * kept in memory past start-up).
 */
export class UserDirectory {
  private constructor(private readonly users: ReadonlyMap<string, StoredUser>) {}

  static async create(
    users: ReadonlyArray<User & { password: string }> = DEMO_USERS,
  ): Promise<UserDirectory> {
    const stored = await Promise.all(
      users.map(async ({ password, ...user }) => {
        const salt = randomBytes(16);
        return { ...user, salt, hash: await scryptAsync(password, salt, 32) };
      }),
    );
    return new UserDirectory(new Map(stored.map((u) => [u.id, u])));
  }

  find(id: string): User | undefined {
    const u = this.users.get(id);
    return u && { id: u.id, name: u.name, email: u.email, roles: u.roles };
  }

  /**
   * The user when the password is theirs, else undefined. An unknown login costs the same
   * scrypt work as a wrong password, so timing does not tell which logins exist.
   */
  async verify(id: string, password: string): Promise<User | undefined> {
    const u = this.users.get(id);
    const salt = u?.salt ?? Buffer.alloc(16);
    const hash = await scryptAsync(password, salt, 32);
    if (!u || !timingSafeEqual(hash, u.hash)) return undefined;
    return this.find(id);
  }
}
