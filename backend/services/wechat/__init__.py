"""WeChat channel code: official-account messages and replies, mini-program sign-in, photos, replay guards."""
