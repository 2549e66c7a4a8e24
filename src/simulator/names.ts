/**
 * Display names in many scripts, so every renderer (HTML, PDF fonts, CSV, Markdown, bidi text) meets real-world
 * text. Each name part carries an ASCII romanisation used to build the UPN, which stays ASCII like most tenants'.
 */
import { pick, weighted, type Rng } from './prng.js';

type Part = readonly [native: string, ascii: string];

interface Script {
  first: readonly Part[];
  last: readonly Part[];
  /** How the script orders and joins the parts (CJK: family name first, Chinese without a space). */
  join(first: string, last: string): string;
}

const western = (first: string, last: string): string => `${first} ${last}`;
const familyFirst = (first: string, last: string): string => `${last} ${first}`;

const SCRIPTS = {
  latin: {
    first: [['Alex', 'alex'], ['Megan', 'megan'], ['Nestor', 'nestor'], ['Patti', 'patti'], ['Grady', 'grady'],
      ['Lynne', 'lynne'], ['Diego', 'diego'], ['Irvin', 'irvin'], ['Adele', 'adele'], ['Johanna', 'johanna']],
    last: [['Wilber', 'wilber'], ['Bowen', 'bowen'], ['Wilke', 'wilke'], ['Fernandez', 'fernandez'],
      ['Archie', 'archie'], ['Robbins', 'robbins'], ['Siciliani', 'siciliani'], ['Sink', 'sink'], ['Vance', 'vance'],
      ['Lidman', 'lidman']],
    join: western,
  },
  latinDiacritics: {
    first: [['José', 'jose'], ['Zoë', 'zoe'], ['Łukasz', 'lukasz'], ['Søren', 'soren'], ['Ångström', 'angstrom'],
      ['Dvořák', 'dvorak'], ['Renée', 'renee'], ['Çağla', 'cagla'], ['Nguyễn', 'nguyen'], ['Björk', 'bjork']],
    last: [['Müller', 'muller'], ['Ó Briain', 'obriain'], ['Gómez-Peña', 'gomez-pena'], ['Żółkiewski', 'zolkiewski'],
      ['Ærøskøbing', 'aeroskobing'], ['Straße', 'strasse'], ['Đorđević', 'dordevic'], ['Şahin', 'sahin'],
      ['Núñez', 'nunez'], ['Kovačić', 'kovacic']],
    join: western,
  },
  cyrillic: {
    first: [['Анна', 'anna'], ['Дмитрий', 'dmitry'], ['Ольга', 'olga'], ['Сергей', 'sergey'], ['Юлия', 'yulia']],
    last: [['Иванова', 'ivanova'], ['Смирнов', 'smirnov'], ['Кузнецова', 'kuznetsova'], ['Попов', 'popov'],
      ['Щербаков', 'shcherbakov']],
    join: western,
  },
  greek: {
    first: [['Γιώργος', 'giorgos'], ['Ελένη', 'eleni'], ['Νίκος', 'nikos'], ['Σοφία', 'sofia']],
    last: [['Παπαδόπουλος', 'papadopoulos'], ['Οικονόμου', 'oikonomou'], ['Γεωργίου', 'georgiou'],
      ['Κωνσταντίνου', 'konstantinou']],
    join: western,
  },
  chinese: {
    first: [['伟', 'wei'], ['芳', 'fang'], ['秀英', 'xiuying'], ['建国', 'jianguo'], ['静', 'jing']],
    last: [['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['欧阳', 'ouyang']],
    join: (first, last) => `${last}${first}`,
  },
  japanese: {
    first: [['花子', 'hanako'], ['翔太', 'shota'], ['さくら', 'sakura'], ['健一', 'kenichi'], ['ユキ', 'yuki']],
    last: [['佐藤', 'sato'], ['鈴木', 'suzuki'], ['高橋', 'takahashi'], ['渡辺', 'watanabe'], ['小林', 'kobayashi']],
    join: familyFirst,
  },
  korean: {
    first: [['민준', 'minjun'], ['서연', 'seoyeon'], ['지훈', 'jihoon'], ['하은', 'haeun']],
    last: [['김', 'kim'], ['이', 'lee'], ['박', 'park'], ['최', 'choi']],
    join: (first, last) => `${last}${first}`,
  },
  arabic: {
    first: [['محمد', 'mohammed'], ['فاطمة', 'fatima'], ['أحمد', 'ahmed'], ['ليلى', 'layla']],
    last: [['العلي', 'alali'], ['حداد', 'haddad'], ['الفارسي', 'alfarsi'], ['منصور', 'mansour']],
    join: western,
  },
  hebrew: {
    first: [['נועה', 'noa'], ['דוד', 'david'], ['תמר', 'tamar'], ['יוסף', 'yosef']],
    last: [['כהן', 'cohen'], ['לוי', 'levi'], ['מזרחי', 'mizrahi'], ['פרץ', 'peretz']],
    join: western,
  },
  thai: {
    first: [['สมชาย', 'somchai'], ['สุดา', 'suda'], ['ประยุทธ', 'prayut'], ['กมลา', 'kamala']],
    last: [['ศรีสุข', 'srisuk'], ['วงศ์ใหญ่', 'wongyai'], ['แก้วมณี', 'kaewmanee'], ['บุญมา', 'boonma']],
    join: western,
  },
  devanagari: {
    first: [['आरव', 'aarav'], ['प्रिया', 'priya'], ['विवेक', 'vivek'], ['अनन्या', 'ananya']],
    last: [['शर्मा', 'sharma'], ['वर्मा', 'verma'], ['गुप्ता', 'gupta'], ['पटेल', 'patel']],
    join: western,
  },
  emoji: {
    first: [['Dana 🚀', 'dana'], ['Kai 🌊', 'kai'], ['Mia 👩🏽‍💻', 'mia'], ['Omar 🏳️‍🌈', 'omar']],
    last: [['Lee', 'lee'], ['Okafor', 'okafor'], ['Berg', 'berg'], ['Silva', 'silva']],
    join: western,
  },
} as const satisfies Record<string, Script>;

type ScriptName = keyof typeof SCRIPTS;

/** Share of each script among display names (percent). */
const SCRIPT_WEIGHTS: readonly (readonly [ScriptName, number])[] = [
  ['latin', 40], ['latinDiacritics', 15], ['cyrillic', 6], ['greek', 4], ['chinese', 7], ['japanese', 6],
  ['korean', 5], ['arabic', 5], ['hebrew', 4], ['thai', 3], ['devanagari', 4], ['emoji', 1],
];

export interface SyntheticName {
  displayName: string;
  /** ASCII `first.last`, the local part of the UPN before the index. */
  asciiStem: string;
}

export function syntheticName(rng: Rng): SyntheticName {
  const script: Script = SCRIPTS[weighted(rng, SCRIPT_WEIGHTS)];
  const [firstNative, firstAscii] = pick(rng, script.first);
  const [lastNative, lastAscii] = pick(rng, script.last);
  return { displayName: script.join(firstNative, lastNative), asciiStem: `${firstAscii}.${lastAscii}` };
}
