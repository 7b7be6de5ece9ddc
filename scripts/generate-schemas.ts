// Writes the JSON Schemas an editor uses to check a hand-written task or spool.yaml. `npm run schema`.
import fs from 'node:fs/promises';
import {renderSchemas} from '../src/schema-files.ts';

for (const [file, text] of Object.entries(renderSchemas())) {
	await fs.writeFile(new URL(`../${file}`, import.meta.url), text);
	console.log(`wrote ${file}`);
}
