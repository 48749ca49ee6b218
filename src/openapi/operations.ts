import { attachmentsOperations } from '../routes/attachments.ts';
import { commentsOperations } from '../routes/comments.ts';
import { externalCustomersOperations } from '../routes/external-customers.ts';
import { healthOperations } from '../routes/health.ts';
import { metricsOperations } from '../routes/metrics.ts';
import { labelsOperations } from '../routes/labels.ts';
import { oauthOperations } from '../routes/oauth.ts';
import { suggestionsOperations } from '../routes/suggestions.ts';
import { usersOperations } from '../routes/users.ts';
import { translatableStringsOperations } from '../routes/translatable-strings.ts';
import { reportsOperations } from '../routes/reports.ts';
import { eventsOperations } from '../routes/events.ts';
import type { Operations } from './spec.ts';

/**
 * Every hand-written operation entry, each kept next to its route declarations in src/routes/*.ts.
 * Plain collection routes need none (document.ts derives them from the declarations).
 */
export const operations: Operations = {
  ...healthOperations,
  ...metricsOperations,
  ...oauthOperations,
  ...attachmentsOperations,
  ...suggestionsOperations,
  ...commentsOperations,
  ...labelsOperations,
  ...usersOperations,
  ...externalCustomersOperations,
  ...translatableStringsOperations,
  ...reportsOperations,
  ...eventsOperations,
};
