/**
 * The config file (JSON): branding and thresholds. Unknown keys are errors (a typo must not silently fall back
 * to a default); every message names the file and the path of the bad value.
 */
import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from '../metrics/definitions.js';
import { PRIVILEGED_PRESETS } from '../metrics/privileged.js';

const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    organisation: z
      .object({
        name: z.string().min(1).max(200).default('Example Organisation'),
        /** SVG or PNG file, relative to the config file */
        logo: z.string().optional(),
        primaryColor: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b5cad')
          .default('#0b5cad'),
        classification: z.string().max(60).default('Confidential'),
      })
      .strict()
      .prefault({}),
    /**
     * Which directory roles make a user an admin when role data was collected: a preset, or role template ids.
     * Without role data the report's isAdmin flag is used, and the pack says so.
     */
    privilegedRoles: z
      .union([
        z.enum(PRIVILEGED_PRESETS),
        z.array(z.string().regex(/^[0-9a-fA-F-]{36}$/, 'must be a role template id (GUID)')).min(1),
      ])
      .default('entra-privileged'),
    thresholds: z
      .object({
        mfaCapableMin: share.default(DEFAULT_THRESHOLDS.mfaCapableMin),
        passwordlessCapableMin: share.default(DEFAULT_THRESHOLDS.passwordlessCapableMin),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
