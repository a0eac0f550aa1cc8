"""Accounts for the API: tokens for the mobile app, session login/logout for the web, citizen sign-up."""

from django.contrib.auth import authenticate, get_user_model, login, logout, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access
from ..throttles import AuthThrottle, ThrottleMessageMixin

AUTHENTICATION = [TokenAuthentication, SessionAuthentication]
BAD_CREDENTIALS = "Usuario o contraseña incorrectos. Revíselos e intente de nuevo."


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]{3,150}$",
        error_messages={"invalid": "Use de 3 a 150 letras, números o . @ + - _ en el nombre de usuario."},
    )
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True)

    def validate_username(self, value):
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("Ese nombre de usuario ya existe. Elija otro.")
        return value

    def validate(self, attrs):
        user = get_user_model()(username=attrs["username"], email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from None
        return attrs


def me_payload(user) -> dict:
    return {
        "username": user.get_username(),
        "role": access.role_of(user),
        "locality_codes": access.staff_locality_codes(user),
    }


ME_SHAPE = inline_serializer(
    "Me",
    {
        "username": serializers.CharField(),
        "role": serializers.CharField(),
        "locality_codes": serializers.ListField(),
    },
)
TOKEN_SHAPE = inline_serializer(
    "TokenOut",
    {"token": serializers.CharField(), "username": serializers.CharField(), "role": serializers.CharField()},
)


def _check(request):
    payload = CredentialsSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    user = authenticate(request, **payload.validated_data)
    if user is None:
        raise serializers.ValidationError({"detail": BAD_CREDENTIALS})
    return user


class TokenView(ThrottleMessageMixin, APIView):
    """POST: exchange username/password for an API token (mobile app). DELETE: revoke the token."""

    authentication_classes = AUTHENTICATION
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        summary="Obtener un token (app móvil)",
        request=CredentialsSerializer,
        responses={200: TOKEN_SHAPE},
        examples=[
            OpenApiExample("Credenciales", value={"username": "ana", "password": "…"}, request_only=True)
        ],
    )
    def post(self, request):
        user = _check(request)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, **me_payload(user)})

    @extend_schema(summary="Revocar el token", request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


CSRF_MISSING = (
    "Falta el token CSRF o no coincide. Pida primero GET /api/auth/login/ (deja la cookie csrftoken) y "
    "envíe su valor en la cabecera X-CSRFToken."
)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class LoginView(ThrottleMessageMixin, APIView):
    """Session login for the web (sets the session and CSRF cookies).

    The POST must carry the CSRF token even though the caller is not signed in yet: otherwise another
    site could sign a visitor into an account of its choosing (login CSRF). DRF's SessionAuthentication
    only checks CSRF for authenticated users, so the view checks it itself.
    """

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Obtener la cookie CSRF antes de iniciar sesión (web)",
        request=None,
        responses={204: None},
    )
    def get(self, request):
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Iniciar sesión (web)",
        description="Requiere la cabecera X-CSRFToken con el valor de la cookie csrftoken (ver GET).",
        request=CredentialsSerializer,
        responses={200: ME_SHAPE},
    )
    def post(self, request):
        try:
            SessionAuthentication().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(CSRF_MISSING) from None
        user = _check(request)
        login(request._request, user)
        return Response(me_payload(user))


class LogoutView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(summary="Cerrar sesión (web)", request=None, responses={204: None})
    def post(self, request):
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegisterView(ThrottleMessageMixin, APIView):
    """Sign up as a citizen (never as staff: roles are given by an admin). Returns a token."""

    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Registrarse como ciudadano", request=RegisterSerializer, responses={201: TOKEN_SHAPE}
    )
    def post(self, request):
        payload = RegisterSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        user = get_user_model().objects.create_user(
            username=values["username"], password=values["password"], email=values.get("email", "")
        )
        token = Token.objects.create(user=user)
        return Response({"token": token.key, **me_payload(user)}, status=status.HTTP_201_CREATED)


class MeView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Quién soy (rol y localidades)", responses=ME_SHAPE)
    def get(self, request):
        return Response(me_payload(request.user))
