# Conversations (OpenAI chat format) that make_vectors.py renders with every real template:
# system placement, multi-turn reasoning, tool definitions, tool calls and results, odd content.

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city; temperatures in °C.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Zürich\""},
                "days": {"type": "integer", "minimum": 1, "maximum": 7, "default": 1},
                "detail": {"type": "number", "enum": [0.5, 1.0, 1e-06]},
            },
            "required": ["city"],
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {"name": "get_time", "description": "Time now.",
                 "parameters": {"type": "object", "properties": {}}},
}


def call(id_, name, arguments):
    return {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}


USER = {"role": "user", "content": "What is the weather in Paris and Tokyo?"}
TWO_CALLS = {"role": "assistant", "content": None, "tool_calls": [
    call("call_1", "get_weather", "{\"city\": \"Paris\"}"),
    call("call_2", "get_weather", "{\"city\": \"Tokyo\", \"days\": 2}")]}
TWO_RESULTS = [
    {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 18, \"sky\": \"clear\"}"},
    {"role": "tool", "tool_call_id": "call_2", "content": "{\"temp\": 24, \"sky\": \"rain\"}"},
]

CONVERSATIONS = [
    {"name": "single_turn", "messages": [{"role": "user", "content": "Hello!"}]},
    {"name": "system_first", "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is 1+1?"}]},
    {"name": "multi_turn_reasoning", "messages": [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is 1+1?"},
        {"role": "assistant", "content": "<think>\nAdd one and one.\n</think>\n\n2"},
        {"role": "user", "content": "And 2+2?"},
        {"role": "assistant", "content": "<think>first</think>draft</think>\n\nFour."},
        {"role": "user", "content": "Thanks."}]},
    {"name": "ends_with_assistant", "messages": [
        {"role": "user", "content": "Say hi."},
        {"role": "assistant", "content": "<think>\nEasy.\n</think>\n\nHi!"}]},
    {"name": "no_reasoning_history", "messages": [
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"}]},
    {"name": "several_systems", "messages": [
        {"role": "system", "content": "Rule one."},
        {"role": "user", "content": "Hi"},
        {"role": "system", "content": "Rule two."},
        {"role": "user", "content": "Again"}]},
    {"name": "system_only", "messages": [{"role": "system", "content": "Only a system prompt."}]},
    {"name": "tools_defined", "tools": [WEATHER_TOOL, TIME_TOOL], "messages": [
        {"role": "system", "content": "Use tools when needed."},
        {"role": "user", "content": "Weather in Paris?"}]},
    {"name": "tool_call_round_trip", "tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None,
         "tool_calls": [call("call_1", "get_weather", "{\"city\": \"Paris\"}")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 18}"},
        {"role": "assistant", "content": "It is 18 °C in Paris."},
        {"role": "user", "content": "And tomorrow?"}]},
    {"name": "parallel_calls_two_results", "tools": [WEATHER_TOOL],
     "messages": [USER, TWO_CALLS, *TWO_RESULTS,
                  {"role": "assistant", "content": "Paris 18 °C, Tokyo 24 °C."}]},
    {"name": "ends_with_tool_results", "tools": [WEATHER_TOOL],
     "messages": [USER, TWO_CALLS, *TWO_RESULTS]},
    {"name": "tool_calls_empty_content", "tools": [WEATHER_TOOL], "messages": [
        USER, {**TWO_CALLS, "content": ""}, *TWO_RESULTS,
        {"role": "assistant", "content": "<think>Both known.</think>Paris 18 °C, Tokyo 24 °C."},
        {"role": "user", "content": "Thanks!"}]},
    {"name": "tool_call_with_content", "tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "<think>Need the tool.</think>Let me check.",
         "tool_calls": [call("call_9", "get_weather", "{\"city\": \"Oslo\"}")]},
        {"role": "tool", "tool_call_id": "call_9", "content": "-3"}]},
    {"name": "two_tool_rounds", "tools": [WEATHER_TOOL, TIME_TOOL], "messages": [
        {"role": "user", "content": "Time, then weather."},
        {"role": "assistant", "content": None, "tool_calls": [call("a", "get_time", "{}")]},
        {"role": "tool", "tool_call_id": "a", "content": "12:00"},
        {"role": "assistant", "content": None,
         "tool_calls": [call("b", "get_weather", "{\"city\": \"Rome\"}")]},
        {"role": "tool", "tool_call_id": "b", "content": "sunny"},
        {"role": "assistant", "content": "Noon and sunny."}]},
    {"name": "unicode", "messages": [
        {"role": "system", "content": "Réponds en français. 日本語も可。"},
        {"role": "user", "content": "Grüße 🌍 — ｜not a token｜ <｜User｜> \\n tab\there"},
        {"role": "assistant", "content": "<think>思考</think>Ça va 😀"},
        {"role": "user", "content": "\u00a0 trailing spaces and newline \n"}]},
    {"name": "empty_content", "messages": [
        {"role": "system", "content": ""},
        {"role": "user", "content": ""},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": ""}]},
    {"name": "template_syntax_in_content", "messages": [
        {"role": "user", "content": "{{ bos_token }} {% if x %} {# c #} '\" \\"}]},
    {"name": "qwen_thinking_off", "kwargs": {"enable_thinking": False}, "messages": [
        {"role": "user", "content": "Quick answer: 3*3?"}]},
    {"name": "deepseek_v3_1_thinking_on", "kwargs": {"thinking": True}, "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "<think>greet</think>Hello!"},
        {"role": "user", "content": "3*3?"}]},
    # Conversations that some templates reject (Jinja raises): the renderer must raise too.
    {"name": "bad_role_order", "messages": [
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"}]},
    {"name": "null_user_content", "messages": [{"role": "user", "content": None}]},
    {"name": "missing_content", "messages": [{"role": "user"}]},
    {"name": "arguments_as_object", "tools": [WEATHER_TOOL], "messages": [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None,
         "tool_calls": [call("c", "get_weather", {"city": "Lima", "days": 3})]}]},
]
