import { runService } from '../../platform/service.js';
import { pricingService } from './service.js';

await runService(pricingService);
