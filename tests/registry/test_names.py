"""The one set of rules for the names of new projects (pure: no database)."""

import pytest

from registry.names import MAX_NAME_LENGTH, new_name_problems, normalize_name


def check(name, existing=(), prohibited=(), shown=()):
    return new_name_problems(name, existing_normalized=existing,
                             prohibited_normalized=prohibited, shown_normalized=shown)


class TestNormalizeName:
    @pytest.mark.parametrize("name", ["Demo.Pkg", "demo__pkg", "DEMO-_-pkg", "demo-pkg"])
    def test_pep_503(self, name):
        assert normalize_name(name) == "demo-pkg"


class TestNewProjectNameRules:
    def test_a_fresh_name_is_fine(self):
        assert check("demo-pkg", existing=["other"]) == ()

    def test_prohibited_names_are_refused_after_normalising(self):
        (problem,) = check("Bad.Name", prohibited=["bad-name"])
        assert problem.code == "name-prohibited"
        assert problem.message == "The name 'Bad.Name' is not allowed."

    @pytest.mark.parametrize("name", ["os", "AsyncIO", "importlib", "email"])
    def test_standard_library_module_names_are_refused(self, name):
        (problem,) = check(name)
        assert problem.code == "name-stdlib"
        assert "standard library" in problem.message

    @pytest.mark.parametrize(
        ("name", "existing"),
        [("dem0-pkg", "demo-pkg"), ("djang0", "django"),
         ("f1ask", "flask"), ("Flask_ext", "flaskext"), ("pi11ow", "pillow")],
    )
    def test_confusable_names_are_too_similar(self, name, existing):
        (problem,) = check(name, existing=[existing, "unrelated"], shown=[existing])
        assert problem.code == "name-too-similar"
        assert problem.message == (
            f"The name '{name}' is too similar to an existing project, '{existing}'."
        )

    def test_a_lookalike_the_caller_may_not_read_is_not_named(self):
        (problem,) = check("dem0-pkg", existing=["demo-pkg"], shown=["unrelated"])
        assert problem.message == "The name 'dem0-pkg' is too similar to an existing project."

    def test_of_several_lookalikes_only_a_readable_one_is_named(self):
        (problem,) = check("dem0-pkg", existing=["demo-pkg", "demo.pkg-", "dem0pkg"],
                           shown=["dem0pkg"])
        assert problem.message.endswith("an existing project, 'dem0pkg'.")

    def test_other_lookalikes_are_not_folded(self):
        assert check("reque5ts", existing=["requests"]) == ()

    def test_the_same_normalized_name_is_not_a_collision(self):
        assert check("Demo.Pkg", existing=["demo-pkg"]) == ()

    @pytest.mark.parametrize("name", ["-bad-", "bad\n", "b@d", ""])
    def test_invalid_names_are_refused(self, name):
        (problem,) = check(name)
        assert problem.code == "name-invalid"

    def test_names_longer_than_a_project_name_may_be_are_refused(self):
        assert check("a" * MAX_NAME_LENGTH) == ()
        (problem,) = check("a" * (MAX_NAME_LENGTH + 1))
        assert problem.code == "name-invalid" and "the limit is 200" in problem.message
