"""web.metadata: the stored core metadata as the project page shows it (no database)."""

from web.metadata import Dependency, DependencyGroup, Link, Person, describe


class TestPeople:
    def test_name_and_address_together(self):
        facts = describe({"author": "Ada", "author_email": "ada@example.com"})
        assert facts.authors == [Person("Ada", "ada@example.com")]

    def test_addresses_with_names_of_their_own(self):
        facts = describe({"maintainer_email": "A <a@example.com>, b@example.com"})
        assert facts.maintainers == [Person("A", "a@example.com"), Person("", "b@example.com")]

    def test_a_name_without_an_address(self):
        assert describe({"author": "The team"}).authors == [Person("The team")]

    def test_nothing(self):
        assert describe({}).authors == [] and describe(None).maintainers == []


class TestLicense:
    def test_the_expression_wins(self):
        facts = describe({"license_expression": "MIT", "license": "old text"})
        assert (facts.license, facts.license_is_expression) == ("MIT", True)

    def test_the_license_field_otherwise(self):
        facts = describe({"license": "BSD"})
        assert (facts.license, facts.license_is_expression) == ("BSD", False)


class TestLinks:
    def test_project_urls_then_home_page(self):
        facts = describe({"project_urls": {"Docs": "https://docs.example.com"},
                          "home_page": "https://example.com", "download_url": None})
        assert facts.links == [Link("Docs", "https://docs.example.com"),
                               Link("Homepage", "https://example.com")]

    def test_only_http_links(self):
        facts = describe({"project_urls": {"Evil": "javascript:alert(1)",
                                           "Data": "data:text/html,x", "Ok": "http://e.com/"},
                          "home_page": "file:///etc/passwd"})
        assert facts.links == [Link("Ok", "http://e.com/")]

    def test_the_home_page_once(self):
        facts = describe({"project_urls": {"Homepage": "https://e.com"},
                          "home_page": "https://e.com"})
        assert facts.links == [Link("Homepage", "https://e.com")]


class TestDependencies:
    def test_grouped_by_extra_with_the_required_ones_first(self):
        facts = describe({"requires_dist": [
            'pytest>=8; extra == "test"', "httpx[http2]>=0.27", "rich ; extra == 'cli'",
            'tomli; python_version < "3.11"']})
        assert facts.dependencies == [
            DependencyGroup("", [Dependency("httpx[http2]>=0.27"),
                                 Dependency("tomli", 'python_version < "3.11"')]),
            DependencyGroup("test", [Dependency("pytest>=8")]),
            DependencyGroup("cli", [Dependency("rich")]),
        ]

    def test_a_marker_that_says_more_than_the_extra_is_kept(self):
        facts = describe({"requires_dist": ['pywin32; extra == "win" and sys_platform == "win32"']})
        [group] = facts.dependencies
        assert group.extra == "win"
        assert group.dependencies[0].marker == 'extra == "win" and sys_platform == "win32"'

    def test_extras_are_normalised_and_one_line_may_serve_two(self):
        facts = describe({"requires_dist": ['a; extra == "Dev_Tools" or extra == "all"']})
        assert [g.extra for g in facts.dependencies] == ["dev-tools", "all"]

    def test_an_unparsable_line_is_shown_as_it_is(self):
        facts = describe({"requires_dist": ["not a requirement !!"]})
        assert facts.dependencies == [DependencyGroup("", [Dependency("not a requirement !!")])]


def test_classifiers_grouped_by_their_first_part():
    facts = describe({"classifiers": ["Programming Language :: Python :: 3",
                                      "License :: OSI Approved :: MIT License",
                                      "Programming Language :: Python :: 3.12", "Typing :: Typed"]})
    assert facts.classifiers == [
        ("Programming Language", ["Python :: 3", "Python :: 3.12"]),
        ("License", ["OSI Approved :: MIT License"]), ("Typing", ["Typed"])]


def test_keywords_from_a_list_or_text():
    assert describe({"keywords": ["a", "b"]}).keywords == ["a", "b"]
    assert describe({"keywords": "a, b c"}).keywords == ["a", "b c"]
    assert describe({"keywords": "a b"}).keywords == ["a", "b"]
