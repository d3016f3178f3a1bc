// Hand-written tricky strings per tokenizer family: chat markup, tool calls, think tags, boundary cases of each regex.

const DEEPSEEK = [
  "<｜begin▁of▁sentence｜><｜User｜>1+1=?<｜Assistant｜><think>\nLet me think.\n</think>\n\n2<｜end▁of▁sentence｜>",
  "<｜User｜>hi<｜Assistant｜>", "<｜User｜> hi <｜Assistant｜> ", "<｜User｜><｜User｜><｜Assistant｜>",
  "<｜User", "<｜User｜", "｜User｜>", "<|User|>", "<｜user｜>", "< ｜User｜>", "<｜end▁of▁sentence｜", "<｜end of sentence｜>",
  "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
  "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{\"temp\": 21}<｜tool▁output▁end｜><｜tool▁outputs▁end｜>",
  "<|EOT|>", "x<|EOT|>y", "<|EOT|", "<｜fim▁begin｜>def f(x):\n<｜fim▁hole｜>\n    return y<｜fim▁end｜>",
  "<｜place▁holder▁no▁0｜>", "<｜place▁holder▁no▁799｜>x", "<｜▁pad▁｜>",
  "1234567", "12345678901234567890", "٣٤٥٦٧", "１２３４５", "a1b22c333d4444", "3.14159265358979",
  "日本語のテキストです", "カタカナとひらがな", "一龥龦", "ゟ゠ヿ㐀", "a中b", "中文English混合", "中 文", "中\n文",
  "it's", "IT'S", "I'll", "we'VE", "don't!", "!hello", "(hello)", "#include", "@user", "__init__", "--flag",
  "...and", "a.b.c", "?!?!abc", "  \n  \n", "\n\n\n", "x  \n", "。\n\n", "!!!\r\n\r\n", "\t\tindent", "hello   world",
];

const DEEPSEEK_R1 = [
  "<think>", "</think>", "<think>\n", "\n</think>\n\n", "<think>x</think>", "<think></think>", "<think>\n\n</think>",
  "< think>", "<think", "</think", "<THINK>", "<think >", "<<think>>", "</think></think>", "a<think>b</think>c",
  "<｜Assistant｜><think>\n", "<｜User｜>Why?<｜Assistant｜><think>\nOkay, the user asks why.\n</think>\n\nBecause.<｜end▁of▁sentence｜>",
  " <think> ", "<think>中文</think>", "<think>1234</think>",
];

const QWEN3 = [
  "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>",
  "<|im_start|>user\n你好<|im_end|>", "<|im_sta", "<|im_start", "<|im_start|", "|im_start|>", "<|IM_START|>",
  "<|endoftext|>", "x<|endoftext|>y", "<|endoftext|><|endoftext|>", "<think>", "</think>", "<think>x</think>",
  "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", "<tool_response>\nok\n</tool_response>",
  "<|vision_start|><|image_pad|><|vision_end|>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "<|box_start|>",
  "e\u0301", "E\u0301\u0323", "\u1100\u1161\u11a8", "Å", "Ω", "K", "ﬁ", "1234567", "٣٤٥", "'S", "'s", "'Ll",
  "HELLO'S", "x'RE", " 's", "''s", "a\u0308\u0301", "\ufb01le", "\u2126hm",
];

const LLAMA3_1 = [
  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  "<|begin_of_text|>", "<|begin_of_text|><|begin_of_text|>", "<|begin_of_text", "<|begin_of_text|", "begin_of_text|>",
  "<|start_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>print(1)<|eom_id|>", "<|finetune_right_pad_id|>",
  "<|reserved_special_token_0|>", "<|reserved_special_token_250|>", "<|reserved_special_token_251|>", "<|end_of_text|>x",
  "12345678901", "1234", "123 456", "١٢٣٤", "'S", "'s", "I'M", "YOU'D", "x'Ve", " 've", "DON'T", "hello'LL",
  "  leading", "trailing  ", "a\n\n\nb", "\r\n\r\n", "x \t y",
];

export function familyCases(name) {
  if (name === "deepseek_v3") return DEEPSEEK;
  if (name === "deepseek_r1") return [...DEEPSEEK, ...DEEPSEEK_R1];
  if (name === "qwen3") return QWEN3;
  if (name === "llama3_1") return LLAMA3_1;
  throw new Error(`unknown tokenizer family: ${name}`);
}
