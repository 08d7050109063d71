app_name = "services"
urlpatterns = []
