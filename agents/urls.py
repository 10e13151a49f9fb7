from django.urls import path

from agents.views import app_notifications, auth, onboarding, passkeys, portal

app_name = "agents"

# The portal's home page ("agents:home") shows offers, so `referrals` serves it; hod/urls.py adds it.
urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.auth_views.LogoutView.as_view(next_page="agents:login"), name="logout"),
    path("forgot-username/", auth.forgot_username, name="forgot_username"),
    path("forgot-password/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("forgot-password/sent/", auth.PasswordResetSentView.as_view(), name="password_reset_sent"),
    path("reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitation/<str:token>/", onboarding.registration, name="register"),
    path("registered/", onboarding.registered, name="registered"),
    path("terms/", onboarding.terms, name="terms"),
    path("switch/", portal.switch, name="switch"),
    path("profile/", portal.profile, name="profile"),
    path("profile/states/", portal.state_preferences, name="state_preferences"),
    path("profile/test-message/", portal.test_message, name="test_message"),
    path("profile/devices/<int:device_id>/remove/", app_notifications.remove_device, name="remove_device"),
    path("availability/", portal.availability, name="availability"),
    path("availability/absences/", portal.add_absence, name="add_absence"),
    path("availability/absences/<int:absence_id>/remove/", portal.remove_absence, name="remove_absence"),
    path("passkeys/add/options/", passkeys.add_options, name="passkey_add_options"),
    path("passkeys/add/", passkeys.add, name="passkey_add"),
    path("passkeys/<int:passkey_id>/rename/", passkeys.rename, name="passkey_rename"),
    path("passkeys/<int:passkey_id>/remove/", passkeys.remove, name="passkey_remove"),
    path("passkeys/log-in/options/", passkeys.log_in_options, name="passkey_log_in_options"),
    path("passkeys/log-in/", passkeys.log_in, name="passkey_log_in"),
]
