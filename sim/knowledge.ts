/**
 * The sim's built-in "world knowledge": what an instruction-following LLM knows before it
 * sees any prompt. Small multilingual cue lists written by us (prepositions before places,
 * titles before persons, date/time words, event verbs, weather words), script detection,
 * and how type names map onto coarse categories. Nothing here comes from a dataset.
 *
 * Coverage is deliberately uneven: Latin-script languages (English first) are covered
 * best, Cyrillic, Arabic and CJK less, other scripts barely. That gives the realistic
 * cross-lingual transfer gaps the eval CLI is meant to show.
 */

export type Script = "latin" | "cyrillic" | "greek" | "arabic" | "hebrew" | "han" | "kana" | "hangul" | "devanagari" | "thai" | "other";

const SCRIPT_TESTS: [Script, RegExp][] = [
  ["latin", /\p{Script=Latin}/u],
  ["cyrillic", /\p{Script=Cyrillic}/u],
  ["greek", /\p{Script=Greek}/u],
  ["arabic", /\p{Script=Arabic}/u],
  ["hebrew", /\p{Script=Hebrew}/u],
  ["kana", /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ["han", /\p{Script=Han}/u],
  ["hangul", /\p{Script=Hangul}/u],
  ["devanagari", /\p{Script=Devanagari}/u],
  ["thai", /\p{Script=Thai}/u],
];

/** The script most letters of the text are written in (kana wins over Han: Japanese). */
export function detectScript(text: string): Script {
  const counts = new Map<Script, number>();
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    let s: Script = "other";
    for (const [name, re] of SCRIPT_TESTS) if (re.test(ch)) { s = name; break; }
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  if ((counts.get("kana") ?? 0) > 0 && (counts.get("han") ?? 0) + (counts.get("kana") ?? 0) >= (counts.get("latin") ?? 0)) return "kana";
  let best: Script = "latin";
  let bestN = 0;
  for (const [s, n] of counts) if (n > bestN) { best = s; bestN = n; }
  return best;
}

/**
 * How well the sim's cues cover a script (1 = as well as English). Multiplies recall of
 * the generic detectors; lexicon matches from demos are not affected.
 */
export const SCRIPT_COVERAGE: Readonly<Record<Script, number>> = {
  latin: 1, cyrillic: 0.85, greek: 0.7, arabic: 0.7, hebrew: 0.6, han: 0.75, kana: 0.65, hangul: 0.6, devanagari: 0.6, thai: 0.5, other: 0.45,
};

/** Scripts written without spaces between words: candidate spans come from substring search. */
export function isUnspaced(script: Script): boolean {
  return script === "han" || script === "kana" || script === "thai";
}

export function hasCase(script: Script): boolean {
  return script === "latin" || script === "cyrillic" || script === "greek";
}

/** A crude language guess from function words, for dataset observations. */
const STOPWORDS: [string, string, string[]][] = [
  ["eng", "English", ["the", "and", "of", "to", "in", "is", "was", "for", "me", "will", "it", "what"]],
  ["deu", "German", ["der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "wird", "ich", "mich"]],
  ["fra", "French", ["le", "la", "les", "et", "est", "des", "une", "du", "dans", "pour", "il", "moi"]],
  ["spa", "Spanish", ["el", "los", "las", "y", "es", "del", "una", "por", "con", "para", "que", "qué"]],
  ["ita", "Italian", ["il", "di", "che", "è", "gli", "della", "una", "per", "sono", "nel", "mi"]],
  ["por", "Portuguese", ["o", "os", "não", "do", "da", "em", "uma", "para", "com", "que", "no"]],
  ["nld", "Dutch", ["de", "het", "een", "en", "van", "is", "niet", "op", "ik", "naar"]],
  ["tur", "Turkish", ["ve", "bir", "bu", "için", "ile", "da", "de", "mı", "mi"]],
  ["ind", "Indonesian", ["yang", "dan", "di", "ini", "itu", "ke", "dari", "akan"]],
];

export function guessLanguage(text: string): string {
  const script = detectScript(text);
  switch (script) {
    case "cyrillic": return "Russian or another Cyrillic-script language";
    case "arabic": return "Arabic";
    case "hebrew": return "Hebrew";
    case "han": return "Chinese";
    case "kana": return "Japanese";
    case "hangul": return "Korean";
    case "devanagari": return "Hindi";
    case "thai": return "Thai";
    case "greek": return "Greek";
    case "other": return "a non-Latin script";
    case "latin": break;
  }
  const words = text.toLowerCase().split(/[^\p{L}]+/u);
  let best = "English";
  let bestN = 0;
  for (const [, name, list] of STOPWORDS) {
    const n = words.filter((w) => list.includes(w)).length;
    if (n > bestN) { best = name; bestN = n; }
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// Function words (boundary conventions: is a preposition/determiner part of the span?)

export const PREPOSITIONS = new Set([
  "in", "at", "on", "to", "from", "for", "by", "near", "of", "with", "into", "around", "until", "before", "after", "about", "during",
  "im", "am", "um", "an", "auf", "nach", "von", "vom", "zu", "zum", "zur", "bei", "aus", "für", "mit", "bis", "gegen",
  "à", "au", "aux", "en", "dans", "de", "du", "des", "pour", "vers", "près", "chez", "sur", "avec", "dès",
  "a", "al", "del", "para", "por", "con", "desde", "hasta", "cerca", "di", "da", "nel", "alle", "alla", "em", "no", "na", "ao",
  "op", "aan", "naar", "van", "bij", "om",
  "в", "во", "на", "к", "ко", "из", "от", "у", "под", "около", "до", "с", "со", "по", "через",
  "في", "إلى", "من", "على", "قرب", "عند",
]);

export const DETERMINERS = new Set([
  "the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "their", "my", "your", "our",
  "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
  "le", "la", "les", "l'", "un", "une", "ce", "cette", "ces", "son", "sa", "ses",
  "el", "los", "las", "una", "il", "lo", "gli", "i", "o", "os", "as", "um", "uma", "het", "een",
]);

/** Whether a multi-word span opens with one of `words` ("in Paris" for PREPOSITIONS). */
export function opensWith(span: string, words: ReadonlySet<string>): boolean {
  return span.includes(" ") && words.has(span.split(/\s+/)[0]!.toLowerCase());
}

/** Prepositions that introduce places (the token just before a location name). */
export const LOC_PREPS = new Set([
  "in", "at", "near", "to", "from", "into", "outside", "across", "im", "nach", "aus", "bei", "à", "en", "dans", "près", "vers",
  "a", "desde", "hacia", "cerca", "di", "da", "nel", "em", "no", "na", "naar", "bij",
  "в", "во", "из", "на", "около", "под", "возле", "у", "في", "إلى", "من", "قرب", "بالقرب",
]);
export const LOC_PREPS_UNSPACED = ["在", "到", "于", "去", "来自", "前往", "位于", "に", "で", "へ"];

export const PERSON_TITLES = new Set([
  "mr", "mrs", "ms", "dr", "prof", "president", "minister", "king", "queen", "sir", "lady", "senator", "judge", "general", "captain", "pope", "saint", "st",
  "herr", "frau", "kanzler", "kanzlerin", "m", "mme", "monsieur", "madame", "señor", "señora", "sr", "sra", "don", "doña", "signor", "signora", "presidente", "ministro",
  "господин", "госпожа", "президент", "министр", "премьер", "генерал",
  "الرئيس", "السيد", "السيدة", "الوزير", "الملك", "الشيخ",
]);
export const PERSON_SUFFIXES_UNSPACED = ["先生", "女士", "总统", "主席", "教授", "说", "表示", "さん", "氏", "大統領"];
export const CJK_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高习";

export const ORG_WORDS = new Set([
  "inc", "corp", "corporation", "ltd", "llc", "gmbh", "ag", "sa", "plc", "co", "company", "group", "bank", "university", "universität", "université",
  "universidad", "università", "institute", "institut", "party", "union", "association", "council", "ministry", "committee", "agency", "airlines",
  "fc", "club", "news", "times", "organization", "organisation", "foundation", "school", "college", "army", "police", "parliament", "court", "museum",
  "labs", "lab", "software", "systems", "technologies", "tech", "robotics", "press", "media", "motors", "energy", "foods", "pharma", "logistics", "capital", "partners",
  "holdings", "industries", "solutions", "studios", "records", "publishing", "airways", "railways", "telecom", "insurance", "consulting", "dairy", "brewery", "hospital",
  "verlag", "werke", "stiftung", "verein", "grupo", "compañía", "empresa", "société", "groupe", "фонд", "завод", "группа",
  "ооо", "оао", "университет", "банк", "компания", "партия", "министерство", "شركة", "جامعة", "بنك", "وزارة", "حزب", "مصرف", "مجموعة",
  "बैंक", "कंपनी", "विश्वविद्यालय", "पार्टी", "मंत्रालय", "समूह", "लिमिटेड",
]);
/** Words inside or next to a name that make it a natural place (mountain, lake, river…). */
export const NATURAL_WORDS = new Set(["mount", "mountains", "mountain", "lake", "river", "desert", "sea", "ocean", "valley", "island", "islands", "bay", "gulf", "peninsula", "range", "falls", "forest",
  "berg", "see", "fluss", "wüste", "gebirge", "mont", "monts", "lac", "fleuve", "désert", "mer", "río", "rio", "monte", "montes", "lago", "desierto", "mar", "sierra", "cordillera",
  "гора", "горы", "озеро", "река", "пустыня", "море", "جبل", "جبال", "بحيرة", "نهر", "صحراء", "بحر", "وادي", "خليج", "पर्वत", "नदी", "झील", "रेगिस्तान", "घाटी"]);
export const NATURAL_UNSPACED = ["山脉", "山", "湖", "河", "江", "沙漠", "海", "岛"];
/** Words that make a capitalised name an event (festival, summit…). */
export const EVENT_NAME_WORDS = new Set(["festival", "fair", "summit", "cup", "championship", "championships", "games", "olympics", "expo", "conference", "marathon", "week", "open", "forum", "congress", "carnival", "biennale",
  "fest", "messe", "gipfel", "meisterschaft", "feria", "cumbre", "copa", "festivales", "foire", "sommet", "coupe", "фестиваль", "саммит", "ярмарка", "чемпионат", "кубок", "форум",
  "مهرجان", "قمة", "معرض", "بطولة", "कप", "मेला", "महोत्सव", "सम्मेलन"]);
export const EVENT_NAME_UNSPACED = ["节", "峰会", "博览会", "展览会", "锦标赛", "世界杯", "论坛", "马拉松"];
/** Hindi postpositions: a place comes before "में" (in); a subject (often a person) before "ने". */
export const POSTPOSITIONS_LOC = new Set(["में", "से"]);
export const POSTPOSITIONS_AGENT = new Set(["ने"]);

/** Nationality and religion words that are not demonym-shaped. */
export const GROUP_WORDS = new Set(["buddhist", "buddhists", "christian", "christians", "muslim", "muslims", "jewish", "catholic", "catholics", "hindu", "hindus", "protestant", "orthodox", "sikh", "democrats", "republicans", "socialists"]);

export const ORG_SUFFIXES_UNSPACED = ["公司", "大学", "银行", "集团", "政府", "委员会", "协会", "部", "党", "会社", "銀行", "大学"];

/** Places and organisations every LLM knows, in a few scripts each. */
export const GAZETTEER: Readonly<Record<string, "location" | "organization" | "natural">> = Object.fromEntries([
  ...[
    "Paris", "Париж", "巴黎", "باريس", "London", "Londres", "Лондон", "伦敦", "لندن", "Berlin", "Берлин", "柏林", "برلين",
    "Moscow", "Moskau", "Moscou", "Москва", "Москве", "莫斯科", "موسكو", "Beijing", "Peking", "Pékin", "Пекин", "北京", "بكين",
    "Tokyo", "Токио", "東京", "东京", "طوكيو", "New York", "Нью-Йорк", "纽约", "نيويورك", "China", "Chine", "Китай", "中国", "الصين",
    "Russia", "Russland", "Russie", "Rusia", "Россия", "России", "俄罗斯", "روسيا", "Germany", "Deutschland", "Allemagne", "Alemania", "Германия", "德国", "ألمانيا",
    "France", "Frankreich", "Francia", "Франция", "法国", "فرنسا", "Japan", "Japon", "Japón", "Япония", "日本", "اليابان",
    "United States", "USA", "США", "美国", "الولايات المتحدة", "Egypt", "Египет", "埃及", "مصر", "Cairo", "Каир", "开罗", "القاهرة",
    "India", "Inde", "Индия", "印度", "الهند", "भारत", "Spain", "España", "Spanien", "Испания", "西班牙", "إسبانيا", "Italy", "Italia", "Italien", "Италия", "意大利", "إيطاليا",
    "Rome", "Roma", "Rom", "Рим", "罗马", "Madrid", "Мадрид", "马德里", "مدريد", "Brazil", "Brasil", "Бразилия", "巴西", "البرازيل",
    "Iraq", "Ирак", "伊拉克", "العراق", "Baghdad", "Багдад", "巴格达", "بغداد", "Syria", "Сирия", "叙利亚", "سوريا", "Ukraine", "Украина", "乌克兰", "أوكرانيا",
    "Kyiv", "Kiev", "Киев", "基辅", "كييف", "Europe", "Europa", "Европа", "欧洲", "أوروبا", "Africa", "Afrika", "Afrique", "Африка", "非洲", "أفريقيا",
    "Shanghai", "上海", "Hong Kong", "香港", "台湾", "大阪", "Seoul", "서울", "한국", "दिल्ली", "मुंबई", "Istanbul", "İstanbul", "Стамбул", "伊斯坦布尔", "إسطنبول",
    "Vienna", "Wien", "Вена", "维也纳", "فيينا", "Washington", "Вашингтон", "华盛顿", "واشنطن", "Dubai", "دبي", "الرياض", "Riyadh", "Tehran", "طهران", "Тегеран",
    "Kenya", "Nigeria", "Mexico", "México", "Canada", "Australia", "Argentina", "Chile", "Peru", "Perú", "Turkey", "Türkei", "Poland", "Polen", "Sweden", "Norway", "Denmark",
  ].map((n) => [n, "location"] as const),
  ...[
    "Alps", "Alpen", "Alpes", "Альпы", "阿尔卑斯山", "Sahara", "Сахара", "撒哈拉", "الصحراء الكبرى", "Himalaya", "Himalayas", "Гималаи", "喜马拉雅", "हिमालय",
    "Nile", "Nil", "Нил", "尼罗河", "النيل", "Danube", "Donau", "Дунай", "多瑙河", "Amazon River", "Rhine", "Rhein", "Рейн", "Ganges", "गंगा", "Andes", "Anden", "Анды",
    "Mediterranean", "Mittelmeer", "Средиземное море", "地中海", "البحر المتوسط", "Baikal", "Байкал", "贝加尔湖", "Volga", "Волга", "Yangtze", "长江",
  ].map((n) => [n, "natural"] as const),
  ...[
    "United Nations", "UN", "ООН", "联合国", "الأمم المتحدة", "NATO", "НАТО", "北约", "الناتو", "EU", "European Union", "ЕС", "欧盟", "الاتحاد الأوروبي",
    "Google", "Apple", "Microsoft", "Amazon", "Facebook", "Reuters", "BBC", "UNESCO", "FIFA", "WHO",
  ].map((n) => [n, "organization"] as const),
]);

// ---------------------------------------------------------------------------------------
// Date and time

export const MONTHS = [
  "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
  "januar", "februar", "märz", "juni", "juli", "oktober", "dezember", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
  "septembre", "octobre", "novembre", "décembre", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
  "octubre", "noviembre", "diciembre", "gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre",
  "январ", "феврал", "март", "апрел", "мая", "май", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр",
  "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
  "كانون", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين",
  "जनवरी", "फ़रवरी", "फरवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर",
];
export const WEEKDAYS = [
  "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
  "samstag", "sonntag", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "lunes", "martes", "miércoles", "jueves",
  "viernes", "sábado", "domingo", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "понедельник", "вторник", "среду", "среда",
  "четверг", "пятниц", "суббот", "воскресень",
];
/** Words that are a time expression on their own (relative dates, parts of day). */
export const TIME_WORDS = [
  "today", "tomorrow", "yesterday", "tonight", "morning", "afternoon", "evening", "night", "noon", "midnight", "weekend", "now", "week", "month", "year",
  "heute", "morgen", "gestern", "abend", "abends", "morgens", "nachmittag", "nacht", "wochenende", "woche",
  "aujourd'hui", "demain", "hier", "matin", "soir", "après-midi", "nuit", "semaine", "hoy", "mañana", "ayer", "tarde", "noche", "semana",
  "oggi", "domani", "ieri", "stasera", "mattina", "sera", "hoje", "amanhã", "ontem", "manhã", "noite", "vandaag", "gisteren", "vanavond",
  "сегодня", "завтра", "вчера", "утром", "вечером", "ночью", "днём", "днем", "утро", "вечер", "неделе", "bugün", "yarın", "dün", "akşam", "sabah",
  "besok", "kemarin", "malam", "pagi", "اليوم", "غدا", "غداً", "أمس", "الليلة", "صباحا", "صباحاً", "مساء", "مساءً", "आज", "कल", "सुबह", "शाम", "रात",
];
/** Modifiers that extend a time expression to the left ("next week", "this morning"). */
export const TIME_MODIFIERS = new Set(["next", "this", "last", "every", "nächste", "nächsten", "diese", "diesen", "prochain", "prochaine", "ce", "cette", "próximo", "próxima", "este", "esta", "следующ", "этот", "эту", "каждый"]);
export const TIME_UNSPACED = ["今天", "明天", "昨天", "今晚", "早上", "上午", "下午", "晚上", "周末", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日", "今日", "明日", "昨日", "今夜", "午後", "午前", "週末"];
export const TIME_REGEXES: RegExp[] = [
  /\d{1,2}(?:[:.]\d{2})?\s?(?:a\.?m\.?|p\.?m\.?|uhr|h\b|heures?|horas?|час(?:а|ов)?|o'clock)/giu,
  /\d{1,2}:\d{2}/gu,
  /\b(?:1[5-9]|20)\d{2}\b/gu,
  /\b\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b/gu,
  /[0-9一二三四五六七八九十两]+(?:点|時|号|日|月|年)(?:半|[0-9一二三四五六七八九十]+分)?/gu,
  /الساعة\s?\S+/gu,
];

// ---------------------------------------------------------------------------------------
// Slot filling

export const WEATHER_WORDS = [
  "rain", "raining", "rainy", "snow", "snowing", "sunny", "sun", "wind", "windy", "cloudy", "fog", "foggy", "storm", "umbrella", "jacket", "coat", "hail", "sunscreen", "scarf",
  "regen", "regnen", "regnet", "schnee", "schneit", "sonnig", "sonne", "windig", "regenschirm", "jacke", "gewitter", "nebel",
  "pluie", "pleuvoir", "pleut", "neige", "neiger", "soleil", "ensoleillé", "vent", "parapluie", "orage", "brouillard",
  "lluvia", "llover", "llueve", "nieve", "nevar", "soleado", "viento", "paraguas", "niebla", "pioggia", "piove", "neve", "sole", "vento", "nebbia",
  "chuva", "chover", "дождь", "дождя", "снег", "снега", "солнечно", "ветер", "зонт", "зонтик", "туман",
  "yağmur", "kar", "güneşli", "rüzgar", "hujan", "مطر", "أمطار", "ثلج", "مشمس", "رياح", "مظلة", "ضباب", "बारिश", "छाता", "कोहरा", "बर्फ",
];
export const WEATHER_UNSPACED = ["下雨", "雨", "下雪", "雪", "晴", "风", "雨伞", "雾", "晴れ", "風", "霧"];

export const TEMPERATURE_WORDS = [
  "hot", "cold", "warm", "freezing", "chilly", "cool", "heiß", "kalt", "warm", "eiskalt", "chaud", "froid", "glacial", "caliente", "calor", "frío", "helado",
  "caldo", "freddo", "quente", "frio", "жарко", "холодно", "тепло", "мороз", "холод", "sıcak", "soğuk", "حار", "بارد", "دافئ", "गर्म", "गरम", "ठंड", "ठंडा",
];
export const TEMPERATURE_UNSPACED = ["冷", "热", "暖和", "寒い", "暑い"];

export const NEGATION_WORDS = ["not", "don't", "dont", "do not", "no", "never", "nicht", "kein", "keine", "keinen", "pas", "ne", "jamais", "nunca", "non", "não", "не", "нет", "لا", "لن", "ليس", "नहीं", "मत", "değil"];
export const NEGATION_UNSPACED = ["不要", "不", "别", "没有"];
export const REFERENCE_WORDS = ["my", "all my", "that", "this", "those", "these", "meine", "meinen", "mein", "alle meine", "diesen", "mes", "mon", "ma", "tous mes", "ce", "cette", "mis", "mi", "todas mis", "todos mis", "ese", "esa", "мой", "мою", "мои", "все мои", "этот", "это", "جميع", "منبهي", "मेरा", "मेरे", "मेरी", "सभी"];
export const REFERENCE_UNSPACED = ["我的", "所有", "那个", "这个"];
export const RECURRING_CUES = ["every", "each", "daily", "weekly", "monthly", "jeden", "jede", "täglich", "wöchentlich", "chaque", "tous les", "toutes les", "quotidien", "cada", "todos los", "todas las", "diario", "каждый", "каждую", "каждое", "ежедневно", "كل", "يوميا", "हर", "रोज़", "रोज"];
export const RECURRING_UNSPACED = ["每天", "每周", "每个", "每月", "每"];

/** Phrases after which a to-do follows ("remind me to <todo>"). */
export const TODO_CUES = [
  "remind me to", "reminder to", "remind me about", "erinnere mich daran", "erinnere mich an", "erinnere mich", "rappelle-moi de", "rappelle moi de",
  "recuérdame", "ricordami di", "lembra-me de", "lembre-me de", "herinner me eraan", "напомни мне", "напомни", "提醒我", "ذكرني ب", "ذكرني", "bana hatırlat",
];

// ---------------------------------------------------------------------------------------
// Events: trigger stems per coarse event category, several languages each.

export const EVENT_STEMS: Readonly<Record<string, string[]>> = {
  attack: ["attack", "bomb", "shoot", "shot", "shell", "strike", "struck", "assault", "raid", "invad", "angriff", "angegriffen", "griff", "bombard", "beschoss", "attaqu", "attentat", "atac", "ataque", "dispar", "attacc", "напал", "нападен", "атак", "обстрел", "удар", "袭击", "攻击", "轰炸", "爆炸", "攻撃", "襲撃", "هاجم", "هجوم", "قصف", "اعتداء", "हमला", "saldır"],
  die: ["died", "dies", "die", "dead", "death", "kill", "murder", "starb", "gestorben", "getötet", "tod", "mort", "décéd", "tué", "murió", "muert", "fallec", "mató", "morto", "morreu", "умер", "погиб", "убит", "смерт", "死亡", "去世", "遇难", "丧生", "死", "توفي", "مقتل", "قتل", "وفاة", "मौत", "मृत्यु", "öldü"],
  injure: ["injur", "wound", "hurt", "verletz", "bless", "herid", "ferit", "ранен", "受伤", "負傷", "إصابة", "جرح", "أصيب"],
  meet: ["meet", "met", "summit", "talks", "traf", "treffen", "getroffen", "rencontr", "réuni", "reuni", "encuentr", "incontr", "встрет", "встреч", "会见", "会晤", "会面", "会谈", "会談", "التقى", "اجتماع", "لقاء", "मुलाकात", "görüş"],
  transport: ["travel", "arriv", "reach", "went", "moved", "fly", "flew", "drove", "sent", "shipped", "return", "deport", "reist", "fuhr", "flog", "angekommen", "gereist", "voyag", "arriv", "rendu", "viaj", "lleg", "trasladó", "viaggi", "arrivat", "прибыл", "приехал", "отправ", "поехал", "прилетел", "抵达", "前往", "到达", "运送", "到着", "وصل", "سافر", "توجه", "पहुंच"],
  acquire: ["buy", "bought", "purchas", "acquir", "sell", "sold", "kauf", "gekauft", "übernahm", "erwarb", "achet", "acqui", "rachet", "vend", "compr", "adquir", "купил", "приобр", "продал", "收购", "购买", "买下", "出售", "買収", "اشترى", "استحوذ", "باع", "खरीद"],
  elect: ["elect", "vote", "gewählt", "wahl", "élu", "élection", "elegid", "elección", "elett", "избран", "выбор", "当选", "选举", "選挙", "انتخاب", "انتخب", "चुनाव"],
  marry: ["marri", "marry", "wed", "heirat", "épous", "mari", "casó", "boda", "спос", "женил", "замуж", "свадьб", "结婚", "結婚", "تزوج", "زواج", "शादी"],
  born: ["born", "geboren", "née", "né", "nació", "nato", "nata", "родил", "出生", "生まれ", "ولد", "जन्म"],
  arrest: ["arrest", "detain", "jail", "festgenommen", "verhaftet", "arrêt", "interpell", "detenid", "arrestat", "арестов", "задержа", "逮捕", "拘留", "اعتقل", "اعتقال", "गिरफ्तार"],
  start_position: ["hire", "appoint", "named", "joined", "ernannt", "eingestellt", "nommé", "nombrad", "назначен", "任命", "出任", "عين", "تعيين"],
  end_position: ["resign", "fired", "retir", "quit", "stepped down", "zurückgetreten", "démission", "dimit", "renunci", "уволен", "отставк", "辞职", "辞任", "استقال"],
  demonstrate: ["protest", "demonstrat", "rally", "march", "demonstr", "manifest", "протест", "митинг", "抗议", "示威", "デモ", "احتجاج", "تظاهر", "مظاهرة"],
  transfer_money: ["paid", "pay", "donat", "fund", "loan", "grant", "bezahlt", "gezahlt", "spend", "payé", "pagó", "заплатил", "пожертв", "支付", "捐款", "دفع", "تبرع"],
  justice: ["sentenc", "convict", "charg", "indict", "sue", "sued", "trial", "verurteil", "angeklagt", "condamn", "inculp", "conden", "acus", "осужд", "приговор", "обвин", "判处", "起诉", "审判", "حكم", "أدين", "محاكمة"],
  contact: ["call", "phoned", "wrote", "email", "letter", "anrief", "schrieb", "appel", "écrit", "llamó", "escribió", "позвонил", "написал", "打电话", "写信", "اتصل", "كتب"],
  start_org: ["founded", "establish", "launch", "created", "gründ", "fondé", "fund", "основ", "创立", "成立", "设立", "أسس", "تأسيس"],
  end_org: ["dissolv", "shut down", "closed", "bankrupt", "aufgelöst", "geschlossen", "dissous", "fermé", "cerr", "закры", "ликвид", "倒闭", "关闭", "破产", "أغلق", "إفلاس"],
};

// ---------------------------------------------------------------------------------------
// Relations: cue words between head and tail, per coarse relation category.

export interface RelationKnowledge {
  head: string[];
  tail: string[];
  cues: string[];
}

export const RELATION_KNOWLEDGE: Readonly<Record<string, RelationKnowledge>> = {
  works_for: { head: ["person"], tail: ["organization"], cues: ["works for", "work for", "worked for", "works at", "works as", "employed", "for", "of", "at", "led", "leads", "heads", "joined", "ceo", "chief", "director", "employee", "arbeitet", "bei", "chef", "travaille", "chez", "dirige", "trabaja", "dirige", "работает", "возглавляет", "в", "任职", "领导", "在", "يعمل", "رئيس"] },
  located_in: { head: ["location", "organization", "facility"], tail: ["location"], cues: [",", "in", "located", "based", "near", "liegt", "befindet", "situé", "à", "en", "ubicado", "находится", "в", "位于", "在", "في", "يقع"] },
  born_in: { head: ["person"], tail: ["location"], cues: ["born in", "born", "native of", "geboren in", "geboren", "né à", "née à", "nació en", "родился в", "родилась в", "出生于", "出生在", "ولد في"] },
  capital_of: { head: ["location"], tail: ["location"], cues: ["capital of", "capital", "hauptstadt", "capitale", "столица", "首都", "عاصمة"] },
  founded_by: { head: ["organization"], tail: ["person"], cues: ["founded by", "founded", "created by", "established by", "gegründet von", "fondée par", "fondé par", "fundada por", "основана", "основал", "创立", "创办", "أسسها", "أسس"] },
  spouse: { head: ["person"], tail: ["person"], cues: ["married", "wed", "and his wife", "and her husband", "heiratete", "épousé", "casó", "женат", "замужем", "嫁给", "娶", "تزوج", "शादी", "married", "wife", "husband", "spouse", "verheiratet", "épouse", "mari", "esposa", "esposo", "жена", "муж", "妻子", "丈夫", "زوجة", "زوج"] },
  nationality: { head: ["person"], tail: ["location"], cues: ["citizen", "national", "from"] },
  member_of: { head: ["person", "organization"], tail: ["organization"], cues: ["member of", "member", "joined", "plays for", "mitglied", "membre", "miembro", "член", "成员", "عضو"] },
  headquartered_in: { head: ["organization"], tail: ["location"], cues: ["headquartered in", "based in", "headquarters", "sitz", "siège", "sede", "штаб", "总部", "مقر"] },
  part_of: { head: ["location", "organization"], tail: ["location", "organization"], cues: ["part of", "in", ","] },
};

// ---------------------------------------------------------------------------------------
// Type names → coarse categories (what a model makes of a label like "PER" or "GPE").

const CATEGORY_KEYWORDS: [string, RegExp][] = [
  ["group", /\bnorp\b|nationalit|religio|political group|ethnic/],
  ["gpe", /\bgpe\b|geo ?political|countr|\bcit(y|ies)\b|provinc/],
  ["location", /\b(loc|location|place|places|geo|address|continent|destination|area|mountains?|lakes?|rivers?|regions?)\b|location|place/],
  ["person", /\b(per|pers|person|persons|people|human|humans|name|player|artist|politician|author|actor|scientist|contact|individual)\b|person/],
  ["organization", /\b(org|organization|organisation|company|corp|corporation|institution|team|party|agency|university|business|club)\b|organi[sz]ation|company/],
  ["facility", /\b(fac|facility|building|airport|venue)\b/],
  ["recurring", /recurring|recurrence|repeat|frequency|period/],
  ["temperature", /temperature|hot|cold/],
  ["weather", /weather|condition|attribute/],
  ["negation", /negat|\bnot\b/],
  ["reference", /reference|refer|pointing/],
  ["alarm", /alarm/],
  ["todo", /todo|to-do|task|reminder/],
  ["datetime", /\b(date|time|datetime|day|year|when|timestamp|duration|tim)\b|date|time/],
  ["money", /\b(money|price|cost|currency|salary)\b|monetary/],
  ["number", /\b(num|number|quantity|amount|count|percent|cardinal)\b/],
  ["event_name", /\b(event|eve|festival|summit|fair)\b/],
  ["product", /\b(product|prod|device|brand|model|vehicle|software)\b/],
  ["work", /\b(work|title|song|book|film|movie|album|playlist|music|art)\b/],
  ["anatomy", /anatom|body part|organ\b/],
  ["disease", /disease|disorder|symptom|dis\b/],
  ["chemical", /chemical|drug|medication|compound/],
];

/** The coarse category a type name (and its description) stands for, or undefined. */
export function categoryOfTypeName(name: string, description?: string): string | undefined {
  const text = `${name} ${description ?? ""}`.toLowerCase().replace(/[_/.:-]+/g, " ");
  for (const [cat, re] of CATEGORY_KEYWORDS) if (re.test(text)) return cat;
  return undefined;
}

const EVENT_TYPE_KEYWORDS: [string, RegExp][] = [
  ["attack", /attack|conflict|bomb|assault|shoot/],
  ["die", /\bdie\b|death|dead|kill|died/],
  ["injure", /injur|wound/],
  ["meet", /meet|meeting|summit/],
  ["transport", /transport|movement|travel|arriv/],
  ["acquire", /acquir|ownership|buy|purchase|sell|trade/],
  ["elect", /elect|vote/],
  ["marry", /marr|wedding/],
  ["born", /born|birth/],
  ["arrest", /arrest|jail|detain/],
  ["start_position", /start.?position|hire|appoint|nominat/],
  ["end_position", /end.?position|resign|retire|fire/],
  ["demonstrate", /demonstrat|protest/],
  ["transfer_money", /money|payment|donat|fund/],
  ["justice", /sentence|convict|charge|indict|sue|trial|justice|fine|appeal|acquit/],
  ["contact", /phone|write|contact|correspond/],
  ["start_org", /start.?org|found|establish/],
  ["end_org", /end.?org|bankrupt|dissolv|merge/],
];

export function eventCategoryOf(name: string, description?: string): string | undefined {
  const text = `${name} ${description ?? ""}`.toLowerCase();
  for (const [cat, re] of EVENT_TYPE_KEYWORDS) if (re.test(text)) return cat;
  return undefined;
}

const RELATION_TYPE_KEYWORDS: [string, RegExp][] = [
  ["works_for", /work|employ|ceo|org:top|leader|led_by|lead/],
  ["born_in", /born|birth/],
  ["capital_of", /capital/],
  ["founded_by", /found/],
  ["spouse", /spouse|married|wife|husband|marri/],
  ["headquartered_in", /headquarter|based_in|hq/],
  ["member_of", /member|affiliat|plays_for/],
  ["nationality", /national|citizen/],
  ["located_in", /locat|contain|place|live|resid|in$/],
  ["part_of", /part/],
];

export function relationCategoryOf(name: string, description?: string): string | undefined {
  const text = `${name} ${description ?? ""}`.toLowerCase();
  for (const [cat, re] of RELATION_TYPE_KEYWORDS) if (re.test(text)) return cat;
  return undefined;
}

/** EE role names → where the argument usually sits relative to its trigger. */
export type RoleKind = "agent" | "patient" | "place" | "destination" | "origin" | "time" | "instrument" | "money" | "other";

export function roleKindOf(role: string): RoleKind {
  const r = role.toLowerCase();
  if (/attacker|agent|buyer|giver|entity|defendant|adjudicator|prosecutor|plaintiff|killer|org/.test(r)) return "agent";
  if (/target|victim|artifact|acquired|person|recipient|goods|beneficiary|thing/.test(r)) return "patient";
  if (/destination|to\b/.test(r)) return "destination";
  if (/origin|seller|source|from/.test(r)) return "origin";
  if (/place|location|site|loc/.test(r)) return "place";
  if (/time|date/.test(r)) return "time";
  if (/instrument|weapon|vehicle/.test(r)) return "instrument";
  if (/money|price|sum|amount/.test(r)) return "money";
  return "other";
}

/** Prepositions that introduce a role's argument, by role kind. */
export const ROLE_PREPS: Readonly<Partial<Record<RoleKind, string[]>>> = {
  place: ["in", "at", "near", "im", "bei", "à", "dans", "près", "en", "cerca", "в", "во", "около", "под", "في", "قرب", "在"],
  destination: ["to", "into", "nach", "zu", "à", "vers", "a", "hacia", "в", "во", "к", "إلى", "到", "前往"],
  origin: ["from", "von", "aus", "de", "desde", "из", "от", "у", "من", "从"],
  instrument: ["with", "mit", "avec", "con", "с", "ب", "用"],
};
