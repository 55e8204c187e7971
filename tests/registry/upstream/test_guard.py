from registry.upstream.guard import GuardFacts, normalize_pattern, pattern_problem, refusal


class TestRefusal:
    def test_a_name_nobody_holds_falls_through(self):
        assert refusal("requests", GuardFacts(held=False)) is None

    def test_a_held_name_never_falls_through(self):
        found = refusal("acme-utils", GuardFacts(held=True, allow=("*",)))
        assert found.reason == "held"

    def test_reserved_patterns_match_normalised_names(self):
        facts = GuardFacts(held=False, reserved=("Acme_*",))
        assert refusal("acme-anything", facts).reason == "reserved"
        assert refusal("acme-anything", facts).pattern == "Acme_*"
        assert refusal("acmeish", facts) is None

    def test_reserved_wins_over_the_allow_list(self):
        facts = GuardFacts(held=False, reserved=("acme-*",), allow=("acme-*",))
        assert refusal("acme-x", facts).reason == "reserved"

    def test_deny_list(self):
        facts = GuardFacts(held=False, deny=("evil*",))
        assert refusal("evil-pkg", facts).reason == "denied"
        assert refusal("requests", facts) is None

    def test_deny_wins_over_allow(self):
        facts = GuardFacts(held=False, deny=("req*",), allow=("req*",), allow_list_only=True)
        assert refusal("requests", facts).reason == "denied"

    def test_allow_list_only_mode(self):
        facts = GuardFacts(held=False, allow=("django", "django-*"), allow_list_only=True)
        assert refusal("django-storages", facts) is None
        assert refusal("django", facts) is None
        assert refusal("requests", facts).reason == "not-allowed"

    def test_allow_list_without_the_mode_does_not_restrict(self):
        assert refusal("requests", GuardFacts(held=False, allow=("django",))) is None

    def test_messages_say_why(self):
        assert "reserved pattern 'acme-*'" in refusal(
            "acme-a", GuardFacts(held=False, reserved=("acme-*",))).message


class TestPatterns:
    def test_normalised_like_names(self):
        assert normalize_pattern(" Acme__Corp.* ") == "acme-corp-*"

    def test_problems(self):
        assert pattern_problem("acme-*") is None
        assert pattern_problem("") is not None
        assert pattern_problem("acme/*") is not None
