import { runService } from '../../platform/service.js';
import { scheduleService } from './service.js';

await runService(scheduleService);
