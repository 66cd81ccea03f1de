/** The fluorescence task's options (`options:` of a challenge.yaml), declared once: parser and reference. */
import { badOption, type OptionSpecs } from '../../scoring/options.js';
import { CHANNEL_NAME } from './truth.js';

export interface FluorescenceOptions {
  channels?: string[];
}

export const FLUORESCENCE_OPTIONS: OptionSpecs<FluorescenceOptions> = {
  channels: {
    type: 'list of channel names',
    default: 'every channel the truth has',
    description: 'the label channels scored, in report order (letters, digits, `_` and `-`, e.g. `[DAPI, MAP2, NFH, DEAD]`)',
    parse: (value) => {
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || value.length === 0 || !value.every((c) => typeof c === 'string' && CHANNEL_NAME.test(c))) {
        badOption('channels', 'a list of channel names (letters, digits, _ and -), e.g. [DAPI, MAP2, NFH, DEAD]', value);
      }
      if (new Set(value).size !== value.length) badOption('channels', 'a list without repeats', value);
      return value as string[];
    },
  },
};
