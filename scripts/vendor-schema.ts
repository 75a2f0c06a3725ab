/**
 * `npm run vendor:schema`: writes schemas/vendor-file.schema.json, the JSON Schema of vendor files,
 * generated from the zod schema the gateway validates them with (so the two cannot disagree).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vendorFileSchemaText } from '../src/providers/declared/file-format.js';

const target = fileURLToPath(new URL('../schemas/vendor-file.schema.json', import.meta.url));
writeFileSync(target, vendorFileSchemaText());
