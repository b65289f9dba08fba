#!/usr/bin/env python3
"""Writes the strict JSON corpus: one file per case, the verdict in the file name.

  y_<name>.json            accepted
  n_<code>_<name>.json     refused with refusal code <code>
  i_y_<name>.json          implementation-defined, decided: accepted
  i_n_<code>_<name>.json   implementation-defined, decided: refused with <code>

The decisions for i_ cases are written down in docs/strict-json.md. Run from anywhere:
`python3 tests/corpus/strict_json/generate.py` rewrites every *.json file here.
"""

import os
import pathlib

HERE = pathlib.Path(__file__).resolve().parent

MJ = "malformed-json"
DK = "duplicate-key"
TD = "too-deep"
NE = "number-not-exact"

CASES = []


def y(name, body):
    CASES.append((f"y_{name}", body))


def n(code, name, body):
    CASES.append((f"n_{code}_{name}", body))


def iy(name, body):
    CASES.append((f"i_y_{name}", body))


def in_(code, name, body):
    CASES.append((f"i_n_{code}_{name}", body))


def nest_arrays(depth):
    return "[" * depth + "]" * depth


def nest_objects(depth):
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


def nest_mixed(depth):
    opening, closing = "", ""
    for i in range(depth - 1):
        if i % 2 == 0:
            opening += "["
            closing = "]" + closing
        else:
            opening += '{"k":'
            closing = "}" + closing
    return opening + "[]" + closing


# ---- accepted: structure -------------------------------------------------------------
y("array_empty", "[]")
y("array_empty_whitespace", "[ \t\r\n]")
y("array_nested_empties", "[[],[[]],{},[{}]]")
y("array_heterogeneous", '[null,1,"1",{},[],true,false,-2.5]')
y("array_null", "[null]")
y("array_true", "[true]")
y("array_false", "[false]")
y("array_whitespace_around_commas", "[1 , 2 ,\t3\n,\r4]")
y("array_leading_whitespace", " [1]")
y("array_trailing_whitespace", "[1] ")
y("array_trailing_newline", "[1]\n")
y("array_of_arrays", "[[1,2],[3,4],[5]]")
y("array_many_items", "[" + ",".join(str(i) for i in range(1000)) + "]")
y("object_empty", "{}")
y("object_empty_whitespace", "{ \n }")
y("object_basic", '{"a":"b"}')
y("object_many_members", '{"a":1,"b":2,"c":3,"d":[],"e":{}}')
y("object_nested", '{"a":{"b":{"c":[]}}}')
y("object_empty_key", '{"":0}')
y("object_keys_differ_in_case", '{"a":1,"A":2}')
y("object_keys_differ_in_spaces", '{"a":1,"a ":2," a":3}')
y("object_same_key_in_sibling_objects", '[{"a":1},{"a":2}]')
y("object_same_key_at_two_levels", '{"a":{"a":{"a":1}}}')
y("object_whitespace_everywhere", ' { "a" : 1 , "b" : [ 2 ] } ')
y("object_escaped_key", '{"\\u0061b":1}')
y("object_key_with_escaped_quote", '{"a\\"b":1}')
y("object_key_unicode", '{"caf\u00e9":1,"\u65e5\u672c":2}')
y("object_key_emoji", '{"\U0001F600":1}')
y("object_ordered_keys", '{"z":1,"y":2,"x":3,"a":4}')
y("object_many_keys", "{" + ",".join(f'"k{i}":{i}' for i in range(500)) + "}")
y("object_key_escaped_slash_and_plain", '{"\\/":1,"/x":2}')
y("object_null_values", '{"a":null,"b":null}')
y("object_in_array_in_object", '{"a":[{"b":[{"c":null}]}]}')

# ---- accepted: top level -------------------------------------------------------------
y("toplevel_null", "null")
y("toplevel_true", "true")
y("toplevel_false", "false")
y("toplevel_string", '"asd"')
y("toplevel_empty_string", '""')
y("toplevel_int", "42")
y("toplevel_zero", "0")
y("toplevel_negative_int", "-1")
y("toplevel_float", "1.5")
y("toplevel_all_whitespace_kinds", " \t\r\n1 \t\r\n")
y("toplevel_string_with_whitespace", '  "x"  ')

# ---- accepted: strings ---------------------------------------------------------------
y("string_empty", '[""]')
y("string_simple_escapes", '["\\"\\\\\\/\\b\\f\\n\\r\\t"]')
y("string_unicode_escape", '["\\u0041"]')
y("string_unicode_escape_upper_hex", '["\\u00E9"]')
y("string_unicode_escape_mixed_case_hex", '["\\u00eA"]')
y("string_surrogate_pair", '["\\ud83d\\ude00"]')
y("string_surrogate_pair_upper_hex", '["\\uD834\\uDD1E"]')
y("string_two_surrogate_pairs", '["\\ud83d\\ude00\\ud83d\\ude01"]')
y("string_raw_two_byte", '["\u00e9"]')
y("string_raw_three_byte", '["\u20ac"]')
y("string_raw_four_byte", '["\U0001F600"]')
y("string_raw_cjk", '["\u65e5\u672c\u8a9e"]')
y("string_escaped_nul", '["\\u0000"]')
y("string_escaped_control", '["\\u001f\\u0001"]')
y("string_raw_del", '["\x7f"]')
y("string_raw_u2028_u2029", '["\u2028\u2029"]')
y("string_escaped_backslash_then_u", '["\\\\u0000"]')
y("string_comment_like", '["/* not a comment */ // nor this"]')
y("string_long", '["' + "x" * 5000 + '"]')
y("string_many_escapes", '["' + "\\n\\u00e9" * 500 + '"]')
y("string_u0080_boundary", '["\\u0080\\u07ff\\u0800"]')
y("string_raw_max_three_byte", '["\ufffd"]')
y("string_escaped_replacement_char", '["\\ufffd"]')
y("string_single_quote", "[\"'\"]")
y("string_with_brackets", '["[]{},:"]')
y("string_raw_u10000", '["\U00010000"]')
y("string_pair_then_text", '["\\ud800\\udc00abc"]')

# ---- accepted: numbers ---------------------------------------------------------------
for name, text in [
    ("int_zero", "0"),
    ("int_one", "1"),
    ("int_negative", "-123"),
    ("int_max_safe", "9007199254740991"),
    ("int_min_safe", "-9007199254740991"),
    ("int_16_digits", "1234567890123456"),
    ("float_0_1", "0.1"),
    ("float_1_0", "1.0"),
    ("float_12_50", "12.50"),
    ("exp_lower", "1e2"),
    ("exp_upper", "1E2"),
    ("exp_plus", "1e+2"),
    ("exp_upper_plus", "1E+2"),
    ("exp_negative", "1E-2"),
    ("fraction_and_exp", "1.5e3"),
    ("zero_exp", "0e0"),
    ("zero_float", "0.0"),
    ("zero_exp_positive", "0e5"),
    ("zero_many_fraction_zeros", "0.000000"),
    ("1e22", "1e22"),
    ("1e23", "1e23"),
    ("123_456", "123.456"),
    ("min_subnormal", "5e-324"),
    ("max_double", "1.7976931348623157e308"),
    ("min_normal", "2.2250738585072014e-308"),
    ("point_three_sum", "0.30000000000000004"),
    ("pi", "3.141592653589793"),
    ("1e-7", "1e-7"),
    ("exp_with_leading_zeros", "1e007"),
    ("1_0e1", "1.0e1"),
    ("100e-2", "100e-2"),
    ("micro", "0.000001"),
    ("negative_float", "-0.5"),
    ("negative_exp", "-1.25e-10"),
    ("seventeen_digits", "0.10000000000000002"),
]:
    y(f"number_{name}", f"[{text}]")

# ---- accepted: depth -----------------------------------------------------------------
y("depth_64_arrays", nest_arrays(64))
y("depth_64_objects", nest_objects(64))
y("depth_64_mixed", nest_mixed(64))
y("depth_64_with_siblings", "[" * 63 + "[1,2],[3]" + "]" * 63)

# ---- implementation-defined, decided -------------------------------------------------
iy("noncharacter_uffff_escaped", '["\\uffff"]')
iy("noncharacter_uffff_raw", '["\uffff"]')
iy("noncharacter_ufdd0_raw", '["\ufdd0"]')
iy("noncharacter_u10ffff_escaped_pair", '["\\udbff\\udfff"]')
iy("noncharacter_u1fffe_raw", '["\U0001FFFE"]')
iy("noncharacter_as_key", '{"\\ufffe":1}')
iy("negative_zero_int", "-0")
iy("negative_zero_float", "-0.0")
iy("float_token_beyond_2p53", "[9007199254740992.0]")
iy("exp_token_beyond_2p53", "[9007199254740992e0]")
iy("float_1e300", "[1e300]")
iy("zero_with_huge_exponent", "[0e99999999999999999999]")
iy("trailing_fraction_zeros", "[1.50000000000000000000000000]")
iy("leading_fraction_zeros", "[0.000000000000000000000000001]")
iy("subnormal_16_digits", "[2.225073858507201e-308]")
iy("keys_nfc_and_nfd_are_distinct", '{"\u00e9":1,"e\u0301":2}')
iy("bom_character_inside_string", '["\ufeff"]')
iy("escaped_nul_key", '{"\\u0000":1}')
in_(MJ, "bom_utf8", b"\xef\xbb\xbf{}")
in_(MJ, "bom_utf8_before_scalar", b"\xef\xbb\xbf1")
in_(MJ, "bom_after_whitespace", b" \xef\xbb\xbf[]")
in_(MJ, "utf16le_bom", b"\xff\xfe[\x00]\x00")
in_(MJ, "utf16be_no_bom", b"\x00[\x00]")
in_(NE, "int_2p53", "[9007199254740992]")
in_(NE, "int_negative_2p53", "[-9007199254740992]")
in_(NE, "four_e_minus_324", "[4e-324]")
in_(NE, "digits_beyond_shortest", "[0.1000000000000000055511151231257827]")
in_(NE, "float_17_digits_not_shortest", "[0.30000000000000001]")

# ---- refused: malformed JSON -----------------------------------------------------------
for name, body in [
    ("empty", ""),
    ("only_whitespace", " \n\t "),
    ("array_unclosed", "[1"),
    ("array_open_only", "["),
    ("array_unclosed_after_comma", "[1,"),
    ("array_trailing_comma", "[1,]"),
    ("array_leading_comma", "[,1]"),
    ("array_double_comma", "[1,,2]"),
    ("array_missing_comma", "[1 2]"),
    ("array_colon", '["a":1]'),
    ("array_extra_close", "[1]]"),
    ("array_closed_by_brace", "[}"),
    ("array_only_comma", "[,]"),
    ("object_unclosed", '{"a":1'),
    ("object_open_only", "{"),
    ("object_trailing_comma", '{"a":1,}'),
    ("object_missing_colon", '{"a" 1}'),
    ("object_missing_value", '{"a":}'),
    ("object_missing_key", "{:1}"),
    ("object_unquoted_key", "{a:1}"),
    ("object_single_quoted_key", "{'a':1}"),
    ("object_number_key", "{1:1}"),
    ("object_null_key", "{null:1}"),
    ("object_double_colon", '{"a"::1}'),
    ("object_comma_for_colon", '{"a",1}'),
    ("object_extra_close", "{}}"),
    ("object_missing_comma", '{"a":1 "b":2}'),
    ("object_closed_by_bracket", '{"a":1]'),
    ("object_key_only", '{"a"}'),
    ("literal_capital_true", "True"),
    ("literal_truncated_true", "tru"),
    ("literal_truncated_null_in_array", "[nul]"),
    ("literal_nan", "NaN"),
    ("literal_infinity", "Infinity"),
    ("literal_negative_infinity", "-Infinity"),
    ("literal_undefined", "[undefined]"),
    ("literal_true_then_letters", "truex"),
    ("literal_none", "None"),
    ("number_leading_zero", "[01]"),
    ("number_negative_leading_zero", "[-01]"),
    ("number_plus_sign", "[+1]"),
    ("number_starts_with_point", "[.5]"),
    ("number_ends_with_point", "[1.]"),
    ("number_point_then_exp", "[1.e1]"),
    ("number_exp_no_digits", "[1e]"),
    ("number_exp_sign_no_digits", "[1e+]"),
    ("number_minus_only", "[-]"),
    ("number_hex", "[0x1F]"),
    ("number_underscore", "[1_000]"),
    ("number_minus_space", "[- 1]"),
    ("number_two_points", "[1.5.2]"),
    ("number_double_zero", "[00]"),
    ("number_double_exp", "[1eE2]"),
    ("number_fraction_exp", "[1e1.5]"),
    ("number_minus_point", "[-.5]"),
    ("number_comma_decimal", "[1,5.]"),
    ("string_unclosed", '["a'),
    ("string_single_quotes", "['a']"),
    ("string_escape_x", '["\\x41"]'),
    ("string_escape_a", '["\\a"]'),
    ("string_escape_short_u", '["\\u12"]'),
    ("string_escape_bad_hex", '["\\u12G4"]'),
    ("string_escape_capital_u", '["\\U0041"]'),
    ("string_escape_single_quote", '["\\\'"]'),
    ("string_escape_u_alone", '["\\u"]'),
    ("string_backslash_at_end", '["\\'),
    ("string_raw_tab", '["a\tb"]'),
    ("string_raw_newline", '["a\nb"]'),
    ("string_raw_nul", '["a\x00b"]'),
    ("string_raw_unit_separator", '["\x1f"]'),
    ("string_raw_carriage_return", '["\r"]'),
    ("string_unclosed_key", '{"a:1}'),
    ("comment_line_after", "[1]//c"),
    ("comment_block_before", "/*c*/[1]"),
    ("comment_inside_array", "[1,/*c*/2]"),
    ("comment_hash", "# c\n[]"),
    ("trailing_letter", "[1] x"),
    ("trailing_second_value", "{} {}"),
    ("trailing_second_number", "1 2"),
    ("trailing_second_string", '"a""b"'),
    ("trailing_nul", "[1]\x00"),
    ("whitespace_form_feed", "\x0c[1]"),
    ("whitespace_vertical_tab", "[1\x0b]"),
    ("whitespace_nbsp", "\u00a0[1]"),
    ("whitespace_u2028_outside_string", "[1,\u20282]"),
    ("raw_emoji_outside_string", "[\U0001F600]"),
]:
    n(MJ, name, body)

# ---- refused: invalid UTF-8 ------------------------------------------------------------
for name, body in [
    ("utf8_ff", b'["\xff"]'),
    ("utf8_truncated_two_byte", b'["\xc3"]'),
    ("utf8_overlong_slash", b'["\xc0\xaf"]'),
    ("utf8_overlong_three_byte", b'["\xe0\x80\xaf"]'),
    ("utf8_encoded_surrogate", b'["\xed\xa0\x80"]'),
    ("utf8_beyond_10ffff", b'["\xf4\x90\x80\x80"]'),
    ("utf8_lone_continuation", b'["\x80"]'),
    ("utf8_five_byte", b'["\xf8\x88\x80\x80\x80"]'),
    ("utf8_toplevel_byte", b"\xff"),
    ("utf8_in_key", b'{"\xff":1}'),
    ("utf8_latin1_e_acute", b'["caf\xe9"]'),
    ("utf8_after_escape", b'["\\n\xff"]'),
    ("utf8_truncated_at_end", b'["a\xe2\x82'),
    ("utf8_outside_string", b"[1,\xc3\xa9]"),
]:
    n(MJ, name, body)

# ---- refused: lone surrogates ----------------------------------------------------------
for name, body in [
    ("lone_high_surrogate", '["\\ud800"]'),
    ("lone_low_surrogate", '["\\udc00"]'),
    ("high_surrogate_then_ascii_escape", '["\\ud800\\u0041"]'),
    ("two_high_surrogates", '["\\ud800\\ud800"]'),
    ("high_surrogate_then_text", '["\\ud800x"]'),
    ("text_then_high_surrogate", '["a\\ud800"]'),
    ("lone_surrogate_in_key", '{"\\ud800":1}'),
    ("lone_surrogate_dbff", '["\\uDBFF"]'),
    ("high_surrogate_then_other_escape", '["\\ud800\\n"]'),
    ("low_surrogate_after_pair", '["\\ud83d\\ude00\\ude00"]'),
    ("lone_low_surrogate_dfff", '["\\udfff"]'),
    ("surrogates_reversed", '["\\udc00\\ud800"]'),
]:
    n(MJ, name, body)

# ---- refused: duplicate keys -----------------------------------------------------------
for name, body in [
    ("plain", '{"a":1,"a":2}'),
    ("same_value", '{"a":1,"a":1}'),
    ("escaped_second", '{"a":1,"\\u0061":2}'),
    ("escaped_first", '{"\\u0061":1,"a":2}'),
    ("both_escaped", '{"\\u0061":1,"\\u0061":2}'),
    ("hex_case_differs", '{"\\u00e9":1,"\\u00E9":2}'),
    ("raw_and_escaped_e_acute", '{"\u00e9":1,"\\u00e9":2}'),
    ("raw_emoji_and_surrogate_pair", '{"\U0001F600":1,"\\ud83d\\ude00":2}'),
    ("escaped_solidus", '{"/":1,"\\/":2}'),
    ("empty_keys", '{"":1,"":2}'),
    ("nested", '{"a":{"b":1,"b":2}}'),
    ("in_second_array_item", '[{"x":1},{"x":1,"x":2}]'),
    ("not_adjacent", '{"a":1,"b":2,"a":3}'),
    ("escaped_quote", '{"\\"":1,"\\u0022":2}'),
    ("escaped_newline", '{"\\n":1,"\\u000a":2}'),
    ("nul_keys", '{"\\u0000":1,"\\u0000":2}'),
    ("different_value_types", '{"a":null,"a":[]}'),
    ("after_many_keys", "{" + ",".join(f'"k{i}":{i}' for i in range(100)) + ',"k7":0}'),
    ("deep_inside", '[[[{"a":[{"b":1,"c":2,"b":3}]}]]]'),
    ("three_times", '{"a":1,"a":2,"a":3}'),
    ("escaped_backslash", '{"\\\\":1,"\\u005c":2}'),
]:
    n(DK, name, body)

# ---- refused: too deep -----------------------------------------------------------------
for name, body in [
    ("65_arrays", nest_arrays(65)),
    ("65_objects", nest_objects(65)),
    ("65_mixed", nest_mixed(65)),
    ("empty_object_at_65", "[" * 64 + "{}" + "]" * 64),
    ("1000_arrays_unclosed", "[" * 1000),
    ("100_objects", nest_objects(100)),
    ("deep_in_second_member", '{"ok":1,"deep":' + nest_arrays(64) + "}"),
]:
    n(TD, name, body)

# ---- refused: numbers that are not exact -------------------------------------------------
for name, text in [
    ("int_2p53_plus_1", "9007199254740993"),
    ("int_2p64", "18446744073709551616"),
    ("int_18_digits", "123456789012345678"),
    ("int_30_digits", "100000000000000000000000000000"),
    ("int_i64_min", "-9223372036854775808"),
    ("exp_overflow", "1e400"),
    ("exp_overflow_negative", "-1e400"),
    ("exp_underflow", "1e-400"),
    ("too_many_digits", "0.1000000000000000000001"),
    ("float_2p53_plus_1", "9007199254740993.0"),
    ("one_and_a_bit", "1.00000000000000000001"),
    ("1e309", "1e309"),
    ("rounds_to_zero", "2.4e-324"),
    ("above_max_double", "1.7976931348623159e308"),
    ("huge_exponent", "1e99999999999999999999"),
    ("int_5000_digits", "1" + "0" * 5000),
    ("float_5000_digit_integer_part", "1" + "0" * 5000 + ".0"),
]:
    n(NE, name, f"[{text}]")


def main():
    for old in HERE.glob("*.json"):
        old.unlink()
    names = set()
    for name, body in CASES:
        assert name not in names, name
        names.add(name)
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        (HERE / f"{name}.json").write_bytes(data)
    print(f"{len(CASES)} cases written to {os.path.relpath(HERE)}")


if __name__ == "__main__":
    main()
