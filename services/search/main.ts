import { runService } from '../../platform/service.js';
import { searchService } from './service.js';

await runService(searchService);
