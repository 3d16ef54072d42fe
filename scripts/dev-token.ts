/**
 * Prints a bearer token for a customer, signed with the BFF's configured key (the documented
 * development key unless JWT_SECRET is set):  npm run -s dev-token -- alice
 */
import { signDevToken } from '../bff/auth.js';
import { bffEnv } from '../bff/config.js';
import { loadConfig } from '../platform/config.js';

const customer = process.argv[2] ?? 'alice';
process.stdout.write(`${await signDevToken(customer, loadConfig(bffEnv))}\n`);
