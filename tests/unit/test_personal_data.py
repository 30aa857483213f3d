from __future__ import annotations

import time

import pytest

from shared.domain.personal_data import PersonalDataKind, find_personal_data

FISCAL_CODE = PersonalDataKind.FISCAL_CODE
EMAIL = PersonalDataKind.EMAIL
PHONE_NUMBER = PersonalDataKind.PHONE_NUMBER
IBAN = PersonalDataKind.IBAN

# Subjects an institution may well send: none of them carries personal data.
ORDINARY_SUBJECTS = [
    "Pagamento TARI 2026 - rata 2 di 3",
    "Avviso n. 3020 del 12/03/2026",
    "Scadenza 31/12/2026 ore 12:00",
    "Protocollo 2026/000123",
    "Importo 1.234,56 EUR",
    "Rinnovo carta d'identità CIE 2026",
    "Codice avviso 302000000000000001",
    "Codice avviso 3020 0000 0000 0000 01",
    "Richiesta n. 12345678",
    "Scadenza bollo auto 03-12-2026",
    "Referto disponibile dal 03 12 2026",
    "Appuntamento il 05.06.2026 alle 09.30",
    "Sportello anagrafe aperto 09.30-12.30",
    "Canone unico rata 03-2026 in scadenza",
    "Contributo concesso: 312.456.789,00 EUR",
    "Bilancio comunale: entrate per 312.456.789",
    "Rimborso di 3331234,56 euro",
    "Contributo di 312456789,00 euro",
    "Sopralluogo in lat. 45,0703393, long. 7,6868565",
    "Per informazioni chiama il numero verde 800 123 456",
    "Pratica SUAP 0123/2026",
    "Determina dirigenziale 2026/012345",
    "Istanza n. 00123456 accolta",
    "Prenotazione CUP n. 30123456 confermata",
    "Seduta del consiglio n. 12 del 3.3.2026",
    "Domanda entro le 23:59 del 28/02/2026",
    "Attestazione ISEE INPS-ISEE-2026-12345678A-00",
    "Fornitore P.IVA 00488410010",
    "IMU acconto 2026 - scadenza 16 giugno",
    "Iscrizione mensa scolastica a.s. 2026/2027",
    "Nuovo IBAN del Comune per i pagamenti",
    "Aggiorna la tua email nell'app",
    "Assemblea pubblica @ sala consiliare",
    "Manutenzione del servizio 3.10.2",
    "Verbale n. 123456789 del 2026",
    "Codice fiscale da correggere: RSSMRA80A01H501X",
]


@pytest.mark.parametrize("subject", ORDINARY_SUBJECTS)
def test_finds_nothing_in_an_ordinary_public_administration_subject(subject):
    # GIVEN a subject with dates, times, amounts, years or codes of the administration
    # WHEN it is searched for personal data
    found = find_personal_data(subject)
    # THEN nothing is found
    assert found == []


@pytest.mark.parametrize(
    "text",
    [
        "RSSMRA80A01H501U",
        "Gentile rssmra80a01h501u, il suo certificato è pronto",
        "Esito pratica (CF: RSSMRA80A01H501U).",
        "Codice fiscale BNCLRA85T41F205Y",
        "CF_RSSMRA80A01H501U",
    ],
)
def test_flags_a_fiscal_code_with_a_right_check_character(text):
    assert find_personal_data(text) == [FISCAL_CODE]


def test_flags_an_omocodia_variant_of_a_fiscal_code():
    # GIVEN a fiscal code whose year digit 0 is replaced by the letter L, with its own check
    text = "Posizione di RSSMRA8LA01H501F aggiornata"
    # WHEN / THEN it is a fiscal code
    assert find_personal_data(text) == [FISCAL_CODE]


@pytest.mark.parametrize(
    "text",
    [
        "Codice RSSMRA8LA01H501U",  # omocodia variant keeping the original's check character
        "Codice XRSSMRA80A01H501U",  # inside a longer code
        "Codice RSSMRA80A01H501U7",
        "Codice RSSMRA80Z01H501U",  # no month Z
    ],
)
def test_does_not_flag_sixteen_characters_that_are_not_a_valid_fiscal_code(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Scrivere a mario.rossi@example.com",
        "Risposta inviata a mario.rossi+tari@mail.example.it.",
        "Contatto: Mario.Rossi@Example.IT",
        "Contatto: mario_rossi-1980@posta.comune.example.it",
        "Scrivere a mario.rossi [at] example [dot] com",
        "Scrivere a mario.rossi(at)example.it",
        "Scrivere a mario.rossi {AT} example {DOT} it",
        "Scrivere a mario.rossi [chiocciola] example [punto] it",
    ],
)
def test_flags_an_email_address_as_people_write_it(text):
    assert find_personal_data(text) == [EMAIL]


@pytest.mark.parametrize(
    "text",
    ["utente@localhost", "Seguici su @ComuneEsempio", "mario@example.c0m", "mario@.it"],
)
def test_does_not_flag_an_at_sign_without_an_address_around_it(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Per info +39 333 1234567",
        "Per info 0039 06 1234 5678",
        "Per info 333-123-4567",
        "Per info 333.1234567",
        "Per info 3331234567",
        "Per info 333 123 45 67",
        "Per info 06 12345678",
        "Per info 06-1234567",
        "Per info (06) 1234567",
        "Per info +44 20 7946 0958",
        "Per info (+39) 333 1234567",
        "Per info +39 (0)6 1234 5678",
        "Per info +393331234567",
        "Per info 00393331234567",
        "Richiamare il 333 1234567.",
        "Tel.06 1234567",
        "Recapiti: 333 1234567 - 06 12345678",
    ],
)
def test_flags_a_phone_number_as_people_write_it(text):
    assert find_personal_data(text) == [PHONE_NUMBER]


@pytest.mark.parametrize(
    "text",
    [
        "Pratica 31234567",  # mobile numbers have 9 or 10 digits
        "Pratica 31234567890",
        "Pratica 01234",  # landlines have at least 6 digits
        "Pratica 012345678901",  # and at most 11
        "Pratica 0001234567",  # no country code starts with 0
        "Pratica +1234567",  # fewer than 8 digits after the country prefix
        "Pratica +1234567890123456",  # more than 15
        "Pratica 512345678",  # neither mobile nor landline
        "Pratica A3331234567",  # part of a longer code
        "Pratica 3331234567B",
    ],
)
def test_does_not_flag_numbers_outside_phone_number_rules(text):
    assert find_personal_data(text) == []


def test_flags_an_eleven_digit_landline_whose_last_digit_is_not_a_vat_check_digit():
    # GIVEN an 11-digit number starting with 0 that is not a valid VAT number
    text = "Chiamare lo 03411234567"
    # WHEN / THEN it is read as a landline: only valid VAT numbers are let through
    assert find_personal_data(text) == [PHONE_NUMBER]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN IT60 X054 2811 1010 0000 0123 456",
        "IBAN IT60X0542811101000000123456",
        "iban it60x0542811101000000123456",
        "IBAN IT 60 X 05428 11101 000000123456",
        "Accredito su IT60X0542811101000000123456, grazie",
        "Conto AB12 IT60X0542811101000000123456 intestato",
        "IBAN DE89 3704 0044 0532 0130 00",
        "IBAN GB82 WEST 1234 5698 7654 32",
        "IBAN BE68 5390 0754 7034 2026",
    ],
)
def test_flags_an_iban_whose_mod_97_check_passes(text):
    assert find_personal_data(text) == [IBAN]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN IT61X0542811101000000123456",  # wrong check digits
        "IBAN IT61 X054 2811 1010 0000 0123 456",
        "IBAN IT90X054281110100000012345",  # passes mod 97 but is too short for Italy
        "IBAN IT60X0542811101000000123456X",  # inside a longer code
        "IBAN IT99X0542811101000000000049",  # 99 passes mod 97 like 02 but is never issued
        "IBAN ZZ83X0542811101000000123456",  # passes mod 97 but there is no such country
    ],
)
def test_does_not_flag_an_iban_that_fails_its_checks(text):
    assert find_personal_data(text) == []


def test_flags_the_same_account_with_the_check_digits_99_would_stand_for():
    # GIVEN the account whose right check digits are 02, the ones 99 is congruent to
    text = "IBAN IT02X0542811101000000000049"
    # WHEN / THEN it is an IBAN, so the refusal of 99 above is not about the account
    assert find_personal_data(text) == [IBAN]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Scrivere a 3331234567@example.com", EMAIL),
        ("IBAN NL91 ABNA 0417 1643 00", IBAN),
    ],
)
def test_does_not_read_the_digits_of_an_email_or_iban_as_a_phone_number(text, kind):
    assert find_personal_data(text) == [kind]


def test_reads_grouped_digits_as_a_phone_number_when_they_are_not_an_iban():
    # GIVEN the digits of the IBAN above with wrong check digits
    text = "IBAN NL92 ABNA 0417 1643 00"
    # WHEN / THEN the grouped digits are a landline, so the blanking above is what matters
    assert find_personal_data(text) == [PHONE_NUMBER]


def test_reports_every_kind_in_enum_order_whatever_the_order_in_the_text():
    # GIVEN all four kinds, in the reverse of the enum's order
    text = (
        "IBAN IT60X0542811101000000123456 tel. +39 333 1234567 "
        "mail mario@example.com CF RSSMRA80A01H501U"
    )
    # WHEN
    found = find_personal_data(text)
    # THEN
    assert found == [FISCAL_CODE, EMAIL, PHONE_NUMBER, IBAN]


def test_reports_each_kind_once_however_often_it_appears():
    # GIVEN two fiscal codes and two phone numbers
    text = "RSSMRA80A01H501U e BNCLRA85T41F205Y: tel 333 1234567 o 06 12345678"
    # WHEN / THEN
    assert find_personal_data(text) == [FISCAL_CODE, PHONE_NUMBER]


def test_flags_a_fiscal_code_used_as_the_local_part_of_an_email_address():
    assert find_personal_data("PEC rssmra80a01h501u@pec.example.it") == [FISCAL_CODE, EMAIL]


@pytest.mark.parametrize(
    "text",
    [
        "a" * 10_000,
        "3" * 10_000,
        "3 " * 5_000,
        "0-" * 5_000,
        "3." * 5_000,
        "(0" * 5_000,
        "+3 " * 3_333,
        "1 - " * 2_500,
        "a." * 5_000,
        "a@" * 5_000,
        "a@" + "a." * 4_998 + "1",
        "a@" + "a-" * 4_999,
        "a [at] " * 1_428,
        "a@a [dot] " * 1_000,
        "AB12 " * 2_000,
        "IT60 " + "0 " * 4_997,
        "a@b.it " * 1_428,
        "IT60X0542811101000000123456 " * 357,
        "06 1234567/" * 909,
        "RSSMRA80A01H501X " * 588,
    ],
)
def test_searches_a_long_adversarial_text_in_linear_time(text):
    # GIVEN ten thousand characters built to make a careless pattern backtrack
    text = text[:10_000]
    # WHEN it is searched (best of three, so a busy machine does not decide the result)
    elapsed = min(_seconds_to_search(text) for _ in range(3))
    # THEN the search takes far less than the 50 ms budget
    assert elapsed < 0.05


def _seconds_to_search(text: str) -> float:
    started = time.perf_counter()
    find_personal_data(text)
    return time.perf_counter() - started
