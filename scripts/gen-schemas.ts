/** Writes schemas/config.schema.json and schemas/results.schema.json from the zod schemas (npm run schemas). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { configJsonSchema } from '../src/config/schema.js';
import { ResultsSchema } from '../src/results/schema.js';
import { PROJECT_ROOT } from '../src/version.js';

export function schemaTexts(): Record<string, string> {
  return {
    'config.schema.json': JSON.stringify(configJsonSchema(), null, 2) + '\n',
    'results.schema.json': JSON.stringify(z.toJSONSchema(ResultsSchema, { unrepresentable: 'any' }), null, 2) + '\n',
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  for (const [name, text] of Object.entries(schemaTexts())) writeFileSync(join(PROJECT_ROOT, 'schemas', name), text);
}
