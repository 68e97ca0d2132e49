"""Request logs never carry a whole ID number or phone number."""
import logging


def test_the_access_log_masks_id_and_phone_numbers_in_the_query(client, caplog):
    with caplog.at_level(logging.INFO, logger="backend.request"):
        client.get("/healthz?id=11010519491231002X&phone=13812345678")
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.request"]
    assert lines, "no access log line"
    logged = " ".join(lines)
    assert "11010519491231002X" not in logged and "13812345678" not in logged
    assert "1101**********002X" in logged and "138****5678" in logged
