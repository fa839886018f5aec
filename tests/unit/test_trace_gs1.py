"""GS1 check digits, GTIN normalisation, lots (AI 10) and Digital Link URIs."""
import pytest

from services.common.errors import InvalidArgument
from services.trace import gs1


@pytest.mark.parametrize("gtin", [
    "4006381333931",    # GTIN-13 from the GS1 check digit calculator's example
    "036000291452",     # GTIN-12 (UPC-A)
    "96385074",         # GTIN-8
    "10614141000415",   # GTIN-14
])
def test_real_gtins_have_valid_check_digits(gtin):
    assert gs1.check_digit(gtin[:-1]) == int(gtin[-1])
    assert gs1.normalise_gtin(gtin) == gtin.zfill(14)


def test_a_wrong_check_digit_is_refused_with_the_right_one_named():
    with pytest.raises(InvalidArgument, match="should be 1") as error:
        gs1.normalise_gtin("4006381333932")
    assert error.value.fields == {"gtin": "wrong check digit"}


@pytest.mark.parametrize("code,what", [("40063813339", "wrong length"), ("4006381a33931",
                                        "not digits"), ("", "not digits"),
                                       ("٤٠٠٦٣٨١٣٣٣٩٣١", "not digits")])
def test_malformed_gtins_say_what_is_wrong(code, what):
    with pytest.raises(InvalidArgument) as error:
        gs1.normalise_gtin(code)
    assert error.value.fields == {"gtin": what}


def test_with_check_digit_builds_codes_that_normalise():
    code = gs1.with_check_digit("893900000001")
    assert gs1.normalise_gtin(code) == "0" + code


@pytest.mark.parametrize("lot", ["ML-2026-05-01", "A", "x" * 20, "L/1.2_3%(a)"])
def test_lots_of_set_82_are_accepted(lot):
    assert gs1.validate_lot(lot) == lot


@pytest.mark.parametrize("lot,what", [("", "required"), ("x" * 21, "too long"),
                                      ("LÔ 1", "forbidden characters"),
                                      ("a#b", "forbidden characters"),
                                      ("L-1\n", "forbidden characters"),
                                      ("/L-1", "unreachable by a link"),
                                      ("L-1/", "unreachable by a link"),
                                      ("L//1", "unreachable by a link"),
                                      ("L/./1", "unreachable by a link"),
                                      ("..", "unreachable by a link")])
def test_bad_lots_are_refused(lot, what):
    with pytest.raises(InvalidArgument) as error:
        gs1.validate_lot(lot)
    assert error.value.fields == {"lot": what}


def test_digital_link_round_trip_pads_gtin_and_escapes_the_lot():
    uri = gs1.build("https://trace.example.vn/", "4006381333931", "A/1%")
    assert uri == "https://trace.example.vn/01/04006381333931/10/A%2F1%25"
    assert gs1.parse(uri) == gs1.DigitalLink("04006381333931", "A/1%", "")


def test_digital_link_parses_paths_under_a_prefix_and_link_type():
    link = gs1.parse("https://r.example/qr/01/96385074/10/LOT-7?linkType=all")
    assert (link.gtin, link.lot, link.link_type) == ("00000096385074", "LOT-7", "all")
    assert gs1.parse("/01/4006381333931").lot == ""


@pytest.mark.parametrize("uri,field", [
    ("/21/123", "uri"), ("/01/4006381333931/21/5", "uri"), ("/01/4006381333932/10/A", "gtin"),
    ("/01/4006381333931/10/A%23", "lot"), ("/01/4006381333931?linkType=gs1:nonsense",
                                          "linkType")])
def test_malformed_digital_links_are_refused(uri, field):
    with pytest.raises(InvalidArgument) as error:
        gs1.parse(uri)
    assert field in error.value.fields
