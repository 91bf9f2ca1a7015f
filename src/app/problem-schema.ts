/** The one JSON shape of a problem found in an input (CairnError.toJSON), shared by every result. */
import { z } from 'zod';

/** A problem found in an input: its stable code, message and location fields. */
export const ProblemJson = z.object({
  code: z.string(),
  message: z.string(),
  file: z.string().optional(),
  offset: z.number().optional(),
  line: z.number().optional(),
  path: z.string().optional(),
  field: z.string().optional(),
  recordType: z.string().optional(),
});
export type ProblemJson = z.infer<typeof ProblemJson>;
