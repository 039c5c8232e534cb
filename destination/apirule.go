package destination

// ruleFromCode turns an API code into the rejection's rule: the code itself when it is a
// plain snake_case name (invalid_event, event_timestamp_too_old), else ruleAPIRefused (an
// answer without a code, or with one that could not be a rule name).
func ruleFromCode(code string) string {
	if code == "" || len(code) > 64 {
		return ruleAPIRefused
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9' && i > 0) && !(c == '_' && i > 0) {
			return ruleAPIRefused
		}
	}
	return code
}
