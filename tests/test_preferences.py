def test_elderly_mode_is_remembered_and_returns_to_the_page(client):
    response = client.get("/elderly-mode?on=1&next=/disclosures/%3Fcategory%3Dresult")
    assert response.status_code == 302
    assert response.headers["Location"] == "/disclosures/?category=result"
    assert "elderly=1" in response.headers["Set-Cookie"]
    page = client.get("/disclosures/").get_data(as_text=True)
    assert '<html lang="zh-CN" class="elderly"' in page and "退出长者模式" in page
    client.get("/elderly-mode?on=0")
    assert '<html lang="zh-CN" class="elderly"' not in client.get("/").get_data(as_text=True)


def test_elderly_mode_never_redirects_off_site(client):
    response = client.get("/elderly-mode?on=1&next=https://evil.example/")
    assert response.headers["Location"] == "/"
