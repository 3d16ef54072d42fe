import { runService } from '../../platform/service.js';
import { bookingService } from './service.js';

await runService(bookingService);
