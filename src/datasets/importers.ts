/** The real-format importers `podium data import <format>` offers, by name. */
import { importInat2018 } from './inat2018-import.js';
import { importVocSegmentation } from './voc-segmentation-import.js';
import { importVocDetection } from './voc-detection-import.js';
import { importCoco } from './coco-import.js';
import { importLibriMix } from './librimix-import.js';
import { importIsl } from './isl-import.js';

export interface ImportOptions {
  seed: number;
  /** LibriMix: the mixture folder to use (mix_clean, mix_both, ...). */
  mix?: string;
}

export interface Importer {
  summary: string;
  /** What `<src>` must be. */
  source: string;
  run(src: string, dest: string, opts: ImportOptions): Promise<object>;
}

export const IMPORTERS: Record<string, Importer> = {
  inat2018: {
    summary: 'iNaturalist 2018 annotations -> classification (solution.csv id,expected,usage)',
    source: 'a folder with train2018.json and val2018.json (val is the hidden set), or one annotation JSON',
    run: async (src, dest, o) => importInat2018(src, dest, o.seed),
  },
  'voc-segmentation': {
    summary: 'PASCAL VOC devkit -> segmentation (SegmentationClass val masks, usage.csv)',
    source: 'a VOC2012 folder (or VOCdevkit) with ImageSets/Segmentation and SegmentationClass',
    run: (src, dest, o) => importVocSegmentation(src, dest, o.seed),
  },
  'voc-detection': {
    summary: 'PASCAL VOC devkit Annotations -> detection (COCO instances, difficult as crowd)',
    source: 'a VOC2012 folder (or VOCdevkit) with Annotations and ImageSets/Main',
    run: async (src, dest, o) => importVocDetection(src, dest, o.seed),
  },
  coco: {
    summary: 'COCO instances JSON -> detection (instances_test.json + usage)',
    source: 'an instances_*.json file, or a COCO folder with annotations/',
    run: async (src, dest, o) => importCoco(src, dest, o.seed),
  },
  librimix: {
    summary: 'wsj0-2mix / LibriMix split folder -> separation (test/{mix,s1,s2}, usage.csv)',
    source: 'a split folder with mix/ (or mix_clean/) and s1/, s2/',
    run: (src, dest, o) => importLibriMix(src, dest, o.seed, o.mix),
  },
  isl: {
    summary: 'In Silico Labeling (google/in-silico-labeling layout) -> fluorescence (test/inputs, test/targets)',
    source: 'a folder of <lab>/<condition>/<lab-...,well-...,z_depth-N|depth_computation-MAXPROJECT,channel-NAME,is_mask-false>.png',
    run: (src, dest, o) => importIsl(src, dest, o.seed),
  },
};
