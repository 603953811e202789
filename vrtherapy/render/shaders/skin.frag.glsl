#version 130
// Soft skin shading: wrapped diffuse (light bleeds past the terminator as it does through skin),
// a warm subsurface tint at the terminator, a sky/floor ambient, and a faint sheen; nails (a per-vertex
// weight from the mesh) tinted towards the nail colour and glossier than skin.
uniform mat4 p3d_ViewMatrix;
uniform vec3 u_skin_color;
uniform vec3 u_key_dir;      // world direction the light travels
uniform vec3 u_key_color;
uniform vec3 u_fill_dir;
uniform vec3 u_fill_color;
uniform vec3 u_sky_color;
uniform vec3 u_ground_color;
uniform vec4 u_sleeve;       // rgb colour, a = how far from the shoulder or hip the clothing reaches (m)
uniform vec4 u_nail;         // rgb nail colour, a = strength 0..1 (0: no nails drawn)

in vec3 v_normal;
in vec3 v_position;
in vec2 v_uv;
in float v_rest_along;
in float v_nail;
out vec4 frag_color;

vec3 wrapped(vec3 n, vec3 light_dir, vec3 color) {
    vec3 l = normalize(mat3(p3d_ViewMatrix) * -light_dir);
    float ndl = dot(n, l);
    float wrap = max((ndl + 0.45) / 1.45, 0.0);
    vec3 subsurface = vec3(0.20, 0.05, 0.02) * smoothstep(-0.45, 0.15, ndl) * (1.0 - smoothstep(0.15, 0.6, ndl));
    return color * (wrap + subsurface);
}

void main() {
    vec3 n = normalize(v_normal);
    vec3 v = normalize(-v_position);
    if (dot(n, v) < 0.0) n = -n;
    vec3 up = normalize(mat3(p3d_ViewMatrix) * vec3(0.0, 0.0, 1.0));
    vec3 ambient = mix(u_ground_color, u_sky_color, dot(n, up) * 0.5 + 0.5);
    vec3 albedo = u_skin_color;
    float sleeve = 1.0 - smoothstep(u_sleeve.a - 0.002, u_sleeve.a + 0.002, v_rest_along);
    // The weight is sharpened a little; around the nail (weight near 0.5) the skin fold is a shade darker.
    float nail = smoothstep(0.15, 0.85, v_nail) * u_nail.a * (1.0 - sleeve);
    albedo = mix(albedo, u_nail.rgb, nail) * (1.0 - 0.30 * u_nail.a * v_nail * (1.0 - v_nail));
    albedo = mix(albedo, u_sleeve.rgb, sleeve);
    vec3 light = ambient + wrapped(n, u_key_dir, u_key_color) + wrapped(n, u_fill_dir, u_fill_color);
    vec3 l = normalize(mat3(p3d_ViewMatrix) * -u_key_dir);
    float ndh = max(dot(n, normalize(l + v)), 0.0);
    float sheen = pow(ndh, 24.0) * 0.06 * (1.0 - sleeve);
    float ndh8 = ndh * ndh; ndh8 *= ndh8; ndh8 *= ndh8;
    sheen += nail * ndh8 * ndh8 * ndh8 * 0.10;  // nails: a tighter, brighter highlight (power 64)
    float rim = pow(1.0 - max(dot(n, v), 0.0), 3.0) * 0.08;
    frag_color = vec4(albedo * light + u_key_color * sheen + rim * u_sky_color, 1.0);
}
