// Fixed text pools (words, sentences, code, emoji, whitespace...) that corpus.mjs combines into test strings.
// Only characters assigned in Unicode <= 13 are used, so node 18/20 and PCRE2 agree on their classes.

export const WORDS = {
  english: ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Hello", "World", "tokenizer",
    "reasoning", "model", "DeepSeek", "think", "answer", "internationalization", "ChatGPT", "iPhone", "HTTP",
    "naïve", "don't", "it's", "I'm", "we'll", "they've", "you'd", "Let's", "O'Brien", "rock'n'roll", "A", "a", "I"],
  latin: ["café", "résumé", "über", "Straße", "façade", "mañana", "Ærøskøbing", "Łódź", "Škoda", "Ångström",
    "São Paulo", "garçon", "Øresund", "Dvořák", "İstanbul", "ıi", "crème brûlée", "jalapeño", "Việt Nam", "Tiếng Việt"],
  cyrillic: ["Привет", "мир", "Москва", "ЁЛКА", "ёжик", "Україна", "їжак", "Беларусь", "щётка", "Здравствуйте"],
  greek: ["Γειά", "σου", "κόσμε", "ΑΘΗΝΑ", "λόγος", "ψυχή", "Ὀδυσσεύς", "ἀρετή", "μῆνιν", "ς σ Σ"],
  arabic: ["مرحبا", "بالعالم", "العربية", "كتاب", "السَّلَامُ عَلَيْكُمْ", "١٢٣٤٥٦٧٨٩٠", "۱۲۳", "فارسی", "اردو"],
  hebrew: ["שלום", "עולם", "עִבְרִית", "ירושלים", "תודה"],
  devanagari: ["नमस्ते", "दुनिया", "हिन्दी", "संस्कृतम्", "क्षत्रिय", "०१२३४५६७८९"],
  thai: ["สวัสดี", "ภาษาไทย", "กรุงเทพมหานคร", "ขอบคุณครับ", "๑๒๓"],
  korean: ["안녕하세요", "세계", "한국어", "대한민국", "ㅋㅋㅋ", "ᄒᆞᆫ글"],
  japanese: ["こんにちは", "世界", "ひらがな", "カタカナ", "漢字", "東京都", "ｶﾀｶﾅ", "ー", "ゟ", "゠", "日本語の文章です。"],
  chinese: ["你好", "世界", "中文", "深度求索", "人工智能", "龥", "鿿", "𠀀", "𪚥", "繁體中文", "简体中文", "。，、；：？！"],
  other: ["Ողջույն", "გამარჯობა", "ሰላም", "ᏣᎳᎩ", "ᠮᠣᠩᠭᠣᠯ", "བོད་ཡིག", "ꦧꦱꦗꦮ", "தமிழ்", "తెలుగు", "বাংলা", "ગુજરાતી", "ਪੰਜਾਬੀ", "සිංහල", "ລາວ", "ខ្មែរ", "မြန်မာ"],
};

export const SENTENCES = [
  "The quick brown fox jumps over the lazy dog.",
  "DeepSeek-R1 thinks step by step before it answers.",
  "Je ne sais pas pourquoi l'été est si chaud cette année.",
  "Ich heiße Jürgen und wohne in der Großstadt München.",
  "¿Dónde está la biblioteca? ¡Allí está!",
  "Съешь же ещё этих мягких французских булок, да выпей чаю.",
  "Τάχιστη αλώπηξ βαφής ψημένη γη, δρασκελίζει υπέρ νωθρού κυνός.",
  "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق",
  "דג סקרן שט בים מאוכזב ולפתע מצא חברה",
  "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम",
  "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
  "다람쥐 헌 쳇바퀴에 타고파",
  "いろはにほへと ちりぬるを わかよたれそ つねならむ",
  "色は匂へど散りぬるを我が世誰ぞ常ならむ",
  "我能吞下玻璃而不伤身体。",
  "深度求索（DeepSeek）发布了推理模型R1，它在数学、代码和推理任务上表现出色。",
  "Tiếng Việt có dấu: Tôi yêu Việt Nam.",
  "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich.",
  "Pchnąć w tę łódź jeża lub ośm skrzyń fig.",
  "Příliš žluťoučký kůň úpěl ďábelské ódy.",
];

export const CODE = [
  "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
  "import numpy as np\nx = np.arange(10, dtype=np.float32)\nprint(f\"{x.mean():.3f}\")\n",
  "class Foo:\n\tdef __init__(self):\n\t\tself._x = {'a': [1, 2, 3]}\n",
  "#include <vector>\nint main() {\n  std::vector<int> v{1, 2, 3};\n  for (auto& x : v) x <<= 2;\n  return v[0] != 4;\n}\n",
  "template <typename T>\nconstexpr T square(T x) noexcept { return x * x; }  // C++20\n",
  "if (a && b || !c) { p->next = nullptr; i++; --j; k += 0x1F; }",
  "{\"name\": \"r1\", \"version\": [1, 2, 3], \"nested\": {\"ok\": true, \"v\": null, \"pi\": 3.14159e+00}}",
  "[{\"role\":\"user\",\"content\":\"hi\\n\\\"quoted\\\"\"},{\"role\":\"assistant\",\"content\":\"\\u00e9\"}]",
  "#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do echo \"$f\" | tr a-z A-Z >> out.log 2>&1; done\n",
  "ls -la ~/.config && grep -rn 'TODO' src/ | wc -l; cat <<EOF\nhello\nEOF",
  "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%son' ORDER BY id DESC;",
  "const f = async (x) => { await sleep(100); return x ?? `default ${x}`; };",
  "fn main() { let v: Vec<u8> = vec![0; 16]; println!(\"{:?}\", &v[..4]); }",
  "<div class=\"a\"><p>Hello &amp; welcome</p><br/></div>",
  "    \n\n    return;\n}\n\n\n",
];

export const LATEX = [
  "$\\frac{a}{b} + \\sqrt{x^2 + y^2} = \\int_0^\\infty e^{-t^2}\\,dt$",
  "\\begin{equation}\n  E = mc^2 \\label{eq:1}\n\\end{equation}",
  "$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$",
  "\\boxed{42}",
  "Let $f: \\mathbb{R} \\to \\mathbb{R}$, $f(x) = \\lim_{h \\to 0} \\frac{g(x+h)-g(x)}{h}$.",
  "\\(\\alpha_{1}\\beta^{2}\\gamma\\)",
  "∀ε>0 ∃δ>0: |x−a|<δ ⇒ |f(x)−f(a)|<ε; ∑ ∏ ∫ ∂ ∇ ≤ ≥ ≠ ≈ ∞ ℝ ℕ ℤ",
];

export const NUMBERS = ["0", "7", "42", "123", "1234", "12345", "123456", "1234567", "3.14159", "-0.5", "1e-9",
  "1,000,000", "1.000.000,50", "1 000 000", "1_000_000", "0xDEADBEEF", "0b1010", "2024-01-31", "12:34:56",
  "+1 (555) 123-4567", "99.9%", "$1,234.56", "€5", "¥100", "½", "²³", "①②③", "Ⅻ", "٣", "१२", "𝟙𝟚𝟛", "１２３"];

export const WHITESPACE = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", "\r\r\n", " \n", "\n ",
  " \t \n", "\u00a0", "\u3000", "\u2009", "\u200b", "\u000b", "\u000c", "\u0085", "\u2028", "\u2029", "\ufeff"];

export const PUNCT = [".", ",", "!", "?", "...", "?!", "!!!", "--", "—", "–", "…", "(", ")", "[]", "{}", "<>",
  "\"", "'", "`", "``", "''", "«»", "„“", "‘’", "@#$%^&*", "~", "|", "\\", "/", "::", "->", "=>", "!=", "==",
  "<=", ">>=", "&&", "||", "###", "***", "___", "。", "、", "！", "？", "【】", "《》", "「」", "・", "·", "•", "§", "¶"];

export const CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M", "'LL",
  "'D", "'Re", "'Ll", "'Ve", "'rE", "'lL", "’s", "’LL"];

export const URLS = ["https://example.com/path?q=1&r=two#frag", "http://localhost:8080/v1/chat/completions",
  "www.deepseek.com", "mailto:someone@example.org", "ftp://ftp.example.net/pub/file.tar.gz",
  "https://zh.wikipedia.org/wiki/中文", "https://例子.测试/路径", "user@host.co.uk", "C:\\Users\\me\\file.txt",
  "/usr/local/bin/python3", "../../etc/passwd", "git@github.com:owner/repo.git"];

export const EMOJI = ["😀", "😂", "👍", "👍🏻", "👍🏿", "👋🏽", "❤️", "❤", "☺️", "✨", "🔥", "🚀", "🤖", "🧠", "🇺🇸",
  "🇨🇳", "🇯🇵", "🇩🇪", "🏳️‍🌈", "🏴‍☠️", "👨‍👩‍👧‍👦", "👩‍💻", "👨🏾‍🔬", "🧑‍🤝‍🧑", "👁️‍🗨️", "1️⃣", "#️⃣", "*️⃣",
  "©", "®", "™", "☕", "⭐", "🎉🎉🎉", "🙈🙉🙊", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"];

// Words whose NFC and NFD forms differ (the corpus uses both forms).
export const NORMALIZATION = ["é", "café", "Å", "Ångström", "ñ", "Việt Nam", "Ḍ̇", "q̣̇", "ṩ", "한국어", "가나다",
  "ﬁ", "ﬃ", "Ⅸ", "①", "ｶﾞ", "が", "パ", "Ω", "K", "Å", "x\u0301\u0327\u0308", "e\u0301\u0301\u0301"];

// Unicode blocks for random code points (start, end inclusive); all stable for many Unicode versions.
export const BLOCKS = [[0x20, 0x7e], [0xa0, 0x24f], [0x250, 0x2ff], [0x300, 0x36f], [0x370, 0x3ff],
  [0x400, 0x52f], [0x531, 0x58a], [0x5d0, 0x5ea], [0x600, 0x6ff], [0x900, 0x97f], [0x980, 0x9fb],
  [0xe01, 0xe5b], [0x10a0, 0x10ff], [0x1100, 0x11ff], [0x1e00, 0x1fff], [0x2000, 0x206f], [0x20a0, 0x20bf],
  [0x2100, 0x214f], [0x2190, 0x23ff], [0x2500, 0x27bf], [0x3000, 0x303f], [0x3040, 0x30ff], [0x3130, 0x318f],
  [0x4e00, 0x9fa5], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfb00, 0xfb4f], [0xfe30, 0xfe4f], [0xff00, 0xffef],
  [0x10000, 0x1007f], [0x1d400, 0x1d7ff], [0x1f300, 0x1f5ff], [0x1f600, 0x1f64f], [0x1f900, 0x1f9ff],
  [0x20000, 0x2a6d6], [0xe0001, 0xe007f], [0x0, 0x1f], [0x7f, 0x9f]];
